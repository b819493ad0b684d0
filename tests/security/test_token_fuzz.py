"""Property-based tests over every public token (invariant 8): sign-on confirm and manage links,
comment author, confirm and unsubscribe links, data-rights links, and the privacy forms.

For any token — random text, or a real token with one edit — every endpoint answers without a
500 and changes nothing: no row, no status, no queued mail, no audit entry.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from comments import tokens as comment_tokens
from comments.models import Comment
from core.models import AuditEntry
from privacy.links import make_token as data_rights_token
from signatures import actions as signature_actions
from signatures import tokens as signature_tokens
from signatures.models import Signature
from tests.conftest import make_statement
from tests.privacy.conftest import make_comment, make_signature

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_:~=+/%\x00é€😀 "


@pytest.fixture
def world(db):
    statement = make_statement()
    held = make_signature(statement, "held@example.org", status="held", kind="organisation")
    pending = make_signature(statement, "pending@example.org", status="unconfirmed")
    visible = make_signature(statement, "visible@example.org")
    comment = make_comment(statement, "c@example.org", notify=True)
    signature_actions.reconcile_counts()
    valid = {
        "signature-confirm": signature_tokens.make_token(pending, signature_tokens.CONFIRM),
        "signature-manage": signature_tokens.make_token(visible, signature_tokens.MANAGE),
        "comment-author": comment_tokens.author_token(comment.pk),
        "comment-confirm": comment_tokens.confirm_token(comment.email_key),
        "comment-unsubscribe": comment_tokens.unsubscribe_token(comment.email_key),
        "data-rights": data_rights_token("held@example.org"),
    }
    return {"statement": statement, "held": held, "comment": comment, "valid": valid}


def state() -> tuple:
    return (
        tuple(Signature.objects.order_by("pk").values_list(
            "pk", "status", "email", "name", "show_name", "ip_hash", "token_salt", "comment")),
        tuple(Comment.objects.order_by("pk").values_list("pk", "status", "email", "body", "notify")),
        DBTaskResult.objects.count(),
        AuditEntry.objects.count(),
    )


def mutate(token: str, data: st.DataObject) -> str:
    position = data.draw(st.integers(0, max(len(token) - 1, 0)))
    edit = data.draw(st.sampled_from(["replace", "drop", "insert", "truncate", "swap-part"]))
    char = data.draw(st.sampled_from(ALPHABET))
    if edit == "replace":
        result = token[:position] + char + token[position + 1:]
    elif edit == "drop":
        result = token[:position] + token[position + 1:]
    elif edit == "insert":
        result = token[:position] + char + token[position:]
    elif edit == "truncate":
        result = token[:position]
    else:
        parts = token.split(".")
        result = ".".join(reversed(parts))
    assume(result.strip() != token)  # surrounding spaces may be forgiven: not a forgery
    return result


def any_token(data: st.DataObject, valid: str) -> str:
    if data.draw(st.booleans()):
        return mutate(valid, data)
    return data.draw(st.text(alphabet=ALPHABET, max_size=200))


def check(response) -> None:  # noqa: ANN001
    assert response.status_code < 500, response.status_code


ENDPOINTS = {
    "signature-confirm": [("get", "/en/signature/confirm/{t}/", {}),
                          ("post", "/en/signature/confirm/{t}/", {})],
    "signature-manage": [("get", "/en/signature/manage/{t}/", {}),
                         ("post", "/en/signature/manage/{t}/", {"action": "withdraw"}),
                         ("post", "/en/signature/manage/{t}/", {"action": "hide"})],
    "comment-confirm": [("get", "/en/comments/confirm/{t}/", {}),
                        ("post", "/en/comments/confirm/{t}/", {})],
    "comment-unsubscribe": [("get", "/en/comments/unsubscribe/{t}/", {}),
                            ("post", "/en/comments/unsubscribe/{t}/", {})],
    "data-rights": [("get", "/en/privacy/your-data/{t}/", {}),
                    ("post", "/en/privacy/your-data/{t}/", {"action": "forget", "confirm": "on"}),
                    ("post", "/en/privacy/your-data/{t}/", {"action": "download"})],
}


@pytest.mark.parametrize("family", sorted(ENDPOINTS))
def test_forged_path_tokens_change_nothing(world, family: str) -> None:
    client = Client()

    @FUZZ
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        token = any_token(data, world["valid"][family])
        before = state()
        for method, template, form in ENDPOINTS[family]:
            path = template.format(t=quote(token, safe=""))
            response = getattr(client, method)(path, form)
            check(response)
            if method == "post":
                assert response.status_code >= 400 or response.status_code in (301, 308), \
                    (path, response.status_code)
        assert state() == before

    run()


def test_forged_comment_author_tokens_change_nothing(world) -> None:
    client = Client()
    comment = world["comment"]

    @FUZZ
    @given(data=st.data(), comment_id=st.sampled_from([comment.pk, comment.pk + 1, 0, 10**12]))
    def run(data: st.DataObject, comment_id: int) -> None:
        token = any_token(data, world["valid"]["comment-author"])
        before = state()
        check(client.get(f"/en/comments/c/{comment_id}/yours/", {"t": token}))
        check(client.post(f"/en/comments/c/{comment_id}/edit/", {"t": token, "body": "Changed!"}))
        check(client.post(f"/en/comments/c/{comment_id}/delete/", {"t": token}))
        assert state() == before

    run()


def test_valid_tokens_of_other_purposes_are_refused(world) -> None:
    """A confirm token is not a manage token, a data-rights token is not a comment token..."""
    client = Client()
    before = state()
    for family, endpoints in ENDPOINTS.items():
        for other, token in world["valid"].items():
            if other == family or (family, other) in {("signature-manage", "signature-confirm"),
                                                      ("signature-confirm", "signature-manage")}:
                continue
            for method, template, form in endpoints:
                if method == "post":
                    response = client.post(template.format(t=quote(token, safe="")), form)
                    assert response.status_code >= 400, (family, other)
    assert state() == before


@FUZZ
@given(email=st.one_of(st.text(max_size=300), st.emails()),
       extra=st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=50), max_size=4))
def test_privacy_request_form_never_fails_and_mails_only_known_addresses(world, email: str,
                                                                         extra: dict) -> None:
    before = state()
    response = Client().post("/en/privacy/your-data/", {**extra, "email": email})
    check(response)
    assert response.status_code in (200, 400, 429)
    signatures, comments, queued, audits = state()
    assert (signatures, comments, audits) == before[:2] + before[3:]
    known = email.strip().lower() in {"held@example.org", "c@example.org"}
    assert queued == before[2] or (known and queued == before[2] + 1)


@pytest.mark.parametrize("family", sorted(ENDPOINTS))
@pytest.mark.parametrize("edit", ["é", "\x00", "😀", "%", " ", "ﬀ"])
def test_non_ascii_in_a_real_token_is_refused_cleanly(world, family: str, edit: str) -> None:
    """The examples hypothesis found first: a real token with one non-ASCII or control
    character (hmac.compare_digest raises TypeError on non-ASCII text)."""
    client = Client()
    token = world["valid"][family]
    before = state()
    forgeries = [token[:-1] + edit, token[:-5] + edit + token[-4:]]
    if edit.strip():
        forgeries.append(edit + token)
    for forged in forgeries:
        for method, template, form in ENDPOINTS[family]:
            check(getattr(client, method)(template.format(t=quote(forged, safe="")), form))
    assert state() == before
