"""Properties of the sign-on helper: no JSON body gives a 500, and a refused call stores
nothing (invariant 8)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from api import helper_body
from api.tokens import Scope, make_token
from signatures import intake
from signatures.models import Signature, SignOn
from tests.api.conftest import error_description

pytestmark = pytest.mark.django_db

text = st.one_of(st.text(max_size=120), st.sampled_from(
    ["", " ", "\x00", "\u202e", "\ufffd", "a" * 5000, "=cmd|' /C calc'!A0", "ana@example.org",
     "individual", "organisation", "es", "en-GB"]))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text)
any_json = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)), max_leaves=8)
maybe = st.one_of(text, any_json)

people = st.fixed_dictionaries({}, optional={
    "given_name": maybe, "family_name": maybe, "employer": maybe, "work_title": maybe,
    "email_addresses": st.one_of(
        st.lists(st.fixed_dictionaries({"address": st.one_of(st.emails(), maybe)}), max_size=2),
        any_json),
    "postal_addresses": st.one_of(
        st.lists(st.fixed_dictionaries({"country": maybe}), max_size=2), any_json),
    "languages_spoken": st.one_of(st.lists(text, max_size=3), any_json),
})
bodies = st.one_of(any_json, st.fixed_dictionaries({"person": st.one_of(people, any_json)},
                                                   optional={
    "comments": maybe, "referrer_data": st.one_of(
        st.fixed_dictionaries({}, optional={"source": maybe}), any_json),
    "add_tags": any_json, "triggers": any_json,
    helper_body.KIND: maybe, helper_body.SHOW_NAME: maybe, helper_body.NEWS: maybe,
    helper_body.CONTACT: maybe}))


def _rows() -> int:
    intake.apply_pending()
    return SignOn.objects.count() + Signature.objects.count()


@given(body=any_json)
def test_the_reader_refuses_only_with_bad_body(body: Any) -> None:
    try:
        call = helper_body.read(body)
    except helper_body.BadBody as bad:
        assert str(bad)
    else:
        assert set(call.form_data) == set(helper_body.JSON_PATHS)


@given(body=bodies)
def test_no_body_gives_a_500_and_refusals_store_nothing(statement, body: Any) -> None:
    token = make_token(name="Property partner", scopes={Scope.SIGN})[1]
    before = _rows()
    response = Client().post(f"/api/v1/petitions/{statement.pk}/record_signature_helper",
                             data=json.dumps(body), content_type="application/json",
                             headers={"OSDI-API-Token": token})
    assert response.status_code in (202, 400, 413, 429), response.content
    assert response["Content-Type"].startswith("application/hal+json")
    if response.status_code != 202:
        assert error_description(response)
        assert _rows() == before


@given(raw=st.binary(max_size=300))
def test_no_bytes_give_a_500(statement, raw: bytes) -> None:
    token = make_token(name="Property partner", scopes={Scope.SIGN})[1]
    response = Client().post(f"/api/v1/petitions/{statement.pk}/record_signature_helper",
                             data=raw, content_type="application/json",
                             headers={"OSDI-API-Token": token})
    assert response.status_code in (202, 400, 415)  # 415: the client sends no type for b""


def test_the_openapi_operation_describes_every_answer_the_helper_gives(db) -> None:
    served = Client().get("/api/v1/openapi.json").json()
    operation = served["paths"]["/petitions/{petition_id}/record_signature_helper"]["post"]
    assert set(operation["responses"]) == {"202", "400", "401", "403", "404", "405", "413",
                                           "415", "429"}
    properties = operation["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert {helper_body.KIND, helper_body.SHOW_NAME, helper_body.NEWS,
            helper_body.CONTACT} <= set(properties)
