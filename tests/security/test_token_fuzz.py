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
from hypothesis import assume, given
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
        "comment-remove": comment_tokens.remove_token(comment.pk),
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
    assume(result != token)
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
    "comment-remove": [("get", "/en/comments/remove/{t}/", {}),
                       ("post", "/en/comments/remove/{t}/", {})],
    "data-rights": [("get", "/en/privacy/your-data/{t}/", {}),
                    ("post", "/en/privacy/your-data/{t}/", {"action": "forget", "confirm": "on"}),
                    ("post", "/en/privacy/your-data/{t}/", {"action": "download"})],
}


@pytest.mark.parametrize("family", sorted(ENDPOINTS))
def test_forged_path_tokens_change_nothing(world, family: str) -> None:
    client = Client()

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


@given(email=st.one_of(st.text(max_size=300), st.emails()),
       extra=st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=50), max_size=4))
def test_privacy_request_form_never_fails_and_queues_the_same_for_every_address(
        world, email: str, extra: dict) -> None:
    """An accepted request queues one task whether or not we hold the address (the worker
    decides whether to mail: tests/privacy/test_data_rights.py); a refused one queues none."""
    before = state()
    response = Client().post("/en/privacy/your-data/", {**extra, "email": email})
    check(response)
    assert response.status_code in (200, 400, 429)
    signatures, comments, queued, audits = state()
    assert (signatures, comments, audits) == before[:2] + before[3:]
    assert queued == before[2] + (response.status_code == 200)


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


def respell(number: str) -> list[str]:
    """Other spellings of a record id that ``int()`` reads as the same number."""
    arabic_indic = number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    fullwidth = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return ["0" + number, "+" + number, " " + number, number + " ", "0_" + number,
            arabic_indic, fullwidth]


@pytest.mark.parametrize("family", ["signature-confirm", "signature-manage", "data-rights"])
def test_only_the_canonical_spelling_of_a_token_opens_it(world, family: str) -> None:
    """``03.<issued>.<mac>`` once opened the link of ``3.<issued>.<mac>``: a link has one
    spelling, and every other one is refused and changes nothing."""
    client = Client()
    token = world["valid"][family]
    head, rest = token.split(".", 1)
    kind = head.rstrip("0123456789")  # "s" or "c" for a data-rights token, "" otherwise
    forgeries = [f"{kind}{spelling}.{rest}" for spelling in respell(head[len(kind):])]
    before = state()
    for forged in forgeries:
        for method, template, form in ENDPOINTS[family]:
            response = getattr(client, method)(template.format(t=quote(forged, safe="")), form)
            assert response.status_code >= 400, (forged, method, response.status_code)
    assert state() == before
    # The canonical spelling still opens the link.
    method, template, form = ENDPOINTS[family][0]
    assert client.get(template.format(t=quote(token, safe=""))).status_code == 200


def test_only_the_canonical_spelling_of_a_form_token_is_accepted(world) -> None:
    from core import protection
    from tests.signatures.conftest import sign_data

    statement = world["statement"]
    data = sign_data(statement, email="new@example.org")
    window, mac = data["form_token"].split(".", 1)
    before = state()
    for spelling in respell(window):
        response = Client().post("/en/sign/water-is-life/",
                                 {**data, "form_token": f"{spelling}.{mac}"},
                                 REMOTE_ADDR="192.0.2.9")
        assert response.status_code == 400, (spelling, response.status_code)
    assert state() == before
    protection.check_form_token(data["form_token"], "sign", statement.pk)  # the real one holds
