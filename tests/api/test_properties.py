"""Property: no request to any API endpoint, with any parameter, path segment, token or
method, gives a 500; every refusal is an osdi:error and changes nothing (invariant 8)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import assume, given
from hypothesis import strategies as st

from api import views
from api.models import ApiToken
from api.tokens import HEADER, Scope, make_token
from core.models import AuditEntry
from core.protection import Limit
from signatures.models import Signature
from statements.models import Statement
from tests.api.conftest import sign

pytestmark = pytest.mark.django_db

text = st.one_of(st.text(max_size=120), st.sampled_from([
    "", " ", "\x00", "\u202e", "\ufffd", "a" * 3000, "0", "-1", "1e9", "99999999999999999999",
    "modified_date gt '2026-01-01T00:00:00Z'", "modified_date gt '2026-13-45'",
    "modified_date gt '9999-12-31T23:59:59+14:00'", "modified_date lt '0001-01-01'",
    "modified_date gt '2026-01-01' and modified_date lt '2027-01-01' and x",
    "MTc5NjMxNTM1MDgwOTc3Mi4y", "LjE", "Ljk5OTk5OTk5OTk5OTk5OTk5OQ", "OTk5OTk5OTk5OTk5OTk5OTk5LjE"]))
segment = st.one_of(st.sampled_from(["<statement>", "<signature>", "<statement>", "<signature>",
                                     "1", "2", "0", "-1", "abc", "99999999999999999999",
                                     "%00", "..", "1.5"]), st.text(min_size=1, max_size=30))
ENDPOINTS = ["", "petitions", "petitions/{a}", "petitions/{a}/signatures",
             "petitions/{a}/signatures/{b}", "people", "people/{a}", "openapi.json", "{a}"]
query = st.dictionaries(st.sampled_from(["page", "per_page", "after", "filter", "language",
                                         "junk"]), text, max_size=5)


@pytest.fixture
def world(db, monkeypatch) -> dict:
    monkeypatch.setattr(views, "ANONYMOUS_LIMIT", Limit("api:anonymous", 10**6, 60))
    monkeypatch.setattr(views, "TOKEN_LIMIT", Limit("api:token", 10**6, 60))
    from tests.conftest import make_statement
    statement = make_statement()
    signature = sign(statement, "a@example.org", wants_contact=True, comment="Hi",
                     comment_approved=True)
    sign(statement, "b@example.org", show_name=False)
    _token, private = make_token(name="Sync", scopes={Scope.READ_PRIVATE})
    return {"private": private, "<statement>": str(statement.pk),
            "<signature>": str(signature.pk)}


def state() -> tuple[int, ...]:
    return (Statement.objects.count(), Signature.objects.count(), ApiToken.objects.filter(
        revoked_at__isnull=True).count())


@given(endpoint=st.sampled_from(ENDPOINTS), a=segment, b=segment, params=query,
       token=st.one_of(st.none(), text, st.just("<private>")),
       method=st.sampled_from(["get", "get", "get", "head", "post", "put", "delete", "options"]))
def test_no_request_gives_a_500_and_refusals_change_nothing(world, endpoint, a, b, params,
                                                            token, method):
    a, b = world.get(a, a), world.get(b, b)
    url = "/api/v1/" + endpoint.format(a=quote(a, safe=""), b=quote(b, safe=""))
    headers = {}
    if token is not None:
        headers[HEADER] = world["private"] if token == "<private>" else token
    before = state()
    audited = AuditEntry.objects.count()
    # A header value with a line break cannot be sent in an HTTP request at all.
    assume(not any(c in headers.get(HEADER, "") for c in "\r\n"))
    response = getattr(Client(), method)(url, params if method in ("get", "head") else None,
                                         headers=headers)
    assert response.status_code in (200, 400, 401, 403, 404, 405), (url, params)
    assert state() == before
    if not response["Content-Type"].startswith(("application/hal+json", "application/json")):
        # The site's guard refuses a NUL or U+FFFD in the path, or an over-long address,
        # before any view runs (core/middleware.py): its own 400 page.
        assert response.status_code == 400
    elif response.status_code >= 400 and method != "head":
        body = json.loads(response.content)
        assert body["osdi:error"]["response_code"] == response.status_code
    if token != "<private>" or response.status_code != 200:
        assert AuditEntry.objects.count() == audited
