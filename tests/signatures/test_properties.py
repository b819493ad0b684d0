"""Property: no input to the sign-on form gives a 500, and a refused input stores nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from signatures.models import Signature
from tests.signatures.conftest import sign_data

pytestmark = pytest.mark.django_db

text = st.one_of(st.text(max_size=300), st.sampled_from(["", " ", "\x00", "\u202e", "\ufffd",
                                                         "a" * 5000, "=cmd|' /C calc'!A0"]))
fields = st.fixed_dictionaries({}, optional={
    "kind": st.one_of(text, st.sampled_from(["individual", "organisation"])),
    "name": text, "organisation": text, "role": text, "country": text,
    "email": st.one_of(text, st.emails()), "show_name": text, "comment": text,
    "fax": st.sampled_from(["", "x"]), "form_token": text, "altcha": text,
})


@given(data=fields, keep_token=st.booleans())
def test_no_input_gives_a_500_and_refusals_store_nothing(statement, data, keep_token):
    post = sign_data(statement, email=None, name=None) if keep_token else {}
    post.update(data)
    before = Signature.objects.count()
    response = Client().post("/en/sign/water-is-life/", post, REMOTE_ADDR="192.0.2.1")
    assert response.status_code < 500
    if response.status_code != 303 or post.get("fax"):
        assert Signature.objects.count() == before
    assert response.status_code in (303, 400, 403, 413, 429)


@given(token=st.text(max_size=200), action=text)
def test_no_token_or_action_gives_a_500(statement, token, action):
    client = Client()
    from urllib.parse import quote
    path_token = quote(token, safe="") or "x"
    for kind in ("confirm", "manage"):
        url = f"/en/signature/{kind}/{path_token}/"
        assert client.get(url).status_code in (400, 404, 410)
        assert client.post(url, {"action": action}).status_code in (400, 404, 410)


@given(query=st.dictionaries(st.sampled_from(["kind", "order", "q", "after"]), text, max_size=4))
def test_no_list_query_gives_a_500(statement, query):
    response = Client().get("/en/signatories/water-is-life/", query)
    assert response.status_code in (200, 400)
