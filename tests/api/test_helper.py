"""The sign-on helper (POST /api/v1/petitions/<id>/record_signature_helper): the form's road
for partner sites, with the same rules, limits, intake and email double opt-in."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from api.tokens import Scope, make_token, revoke
from signatures import intake
from signatures import views as sign_views
from signatures.models import Signature, SignOn
from signatures.tasks import MIN_MAIL_INTERVAL
from statements.models import Statement
from tests.api.conftest import error_description
from tests.conftest import make_statement
from tests.signatures.conftest import confirm, links, post_sign

CONFIRM_MAIL_ES = "Para confirmar su firma, abra este enlace"


@pytest.fixture
def sign_token(db) -> str:
    return make_token(name="Partner site", scopes={Scope.SIGN})[1]


def helper_url(statement: Statement | int) -> str:
    pk = statement if isinstance(statement, int) else statement.pk
    return f"/api/v1/petitions/{pk}/record_signature_helper"


def body(email: str = "ana@example.org", **top: Any) -> dict[str, Any]:
    person = {"given_name": "Ana", "family_name": "Lima",
              "email_addresses": [{"address": email}],
              "postal_addresses": [{"country": "BR"}]}
    person.update(top.pop("person", {}))
    return {"person": person, **top}


def call(client: Client, statement: Statement | int, payload: Any, token: str | None,
         content_type: str = "application/json", raw: bytes | None = None):
    headers = {} if token is None else {"OSDI-API-Token": token}
    data = raw if raw is not None else json.dumps(payload)
    return client.post(helper_url(statement), data=data, content_type=content_type,
                       headers=headers)


def stored() -> tuple[int, int]:
    """Rows in the intake and signatures (the intake applied first, as the site would)."""
    intake.apply_pending()
    return SignOn.objects.count(), Signature.objects.count()


@pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction
def test_a_helper_call_is_confirmed_by_email_like_the_form(anon, statement, sign_token,
                                                           mailbox, tasks):
    response = call(anon, statement, body(
        "Ana@Example.org", comments="For the river.", referrer_data={"source": "river-site"},
        person={"employer": "River Keepers", "work_title": "Organiser",
                "languages_spoken": ["es-MX"]},
        add_tags=["volunteer"], add_lists=["x"], triggers={"autoresponse": {"enabled": True}},
        **{"undersigned:show_name": True, "undersigned:contact": True}), sign_token)
    assert response.status_code == 202
    assert response["Content-Type"].startswith("application/hal+json")
    answer = response.json()
    assert "identifiers" not in answer and "osdi:signature" not in answer["_links"]
    signature = Signature.objects.get()
    # Never confirmed by the call itself: the double opt-in decides.
    assert signature.status == Signature.Status.UNCONFIRMED
    assert (signature.source, signature.referrer) == (Signature.Source.API, "river-site")
    assert (signature.name, signature.organisation_name, signature.role, signature.country) == (
        "Ana Lima", "River Keepers", "Organiser", "BR")
    assert signature.email == "ana@example.org"
    assert signature.wants_contact and signature.show_name and not signature.wants_news
    tasks()
    [mail] = mailbox.to("ana@example.org")
    text = mailbox.text(mail)
    assert CONFIRM_MAIL_ES in text  # the signer's language, not the API's
    assert anon.get(links(text)["confirm"]).status_code == 200
    assert Signature.objects.get().status == Signature.Status.UNCONFIRMED
    assert confirm(anon, links(text)["confirm"]).status_code == 303
    signature.refresh_from_db()
    assert signature.status == Signature.Status.VISIBLE
    assert (signature.source, signature.referrer) == (Signature.Source.API, "river-site")


def test_the_defaults_are_the_privacy_protective_choices(anon, statement, sign_token):
    assert call(anon, statement, body(), sign_token).status_code == 202
    signature = Signature.objects.get()
    assert not signature.show_name and not signature.wants_news and not signature.wants_contact
    # Without a source the editors still see which token it came through.
    assert signature.referrer == "Partner site"
    assert signature.language == "en"  # the statement's language when none is spoken


@pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction
def test_an_address_that_signed_gets_the_same_answer_and_a_mail(anon, statement, sign_token,
                                                                mailbox, tasks):
    first = call(anon, statement, body(), sign_token)
    tasks()
    confirm(anon, links(mailbox.text(mailbox.to("ana@example.org")[0]))["confirm"])
    Signature.objects.update(last_mailed_at=Signature.objects.get().last_mailed_at
                             - MIN_MAIL_INTERVAL)
    again = call(anon, statement, body(" ANA@example.org", person={"given_name": "Someone"}),
                 sign_token)
    tasks()
    assert (first.status_code, first.content) == (again.status_code, again.content)
    assert sorted(first.headers.items()) == sorted(again.headers.items())
    assert Signature.objects.get().name == "Ana Lima"  # nothing changed by the second call
    messages = mailbox.to("ana@example.org")  # the owner is told, not the caller
    assert len(messages) == 2 and "already signed" in messages[1]["Subject"]


def test_an_organisation_signs_through_kind(anon, statement, sign_token):
    payload = body(person={"employer": "River Keepers", "work_title": "Chair"},
                   **{"undersigned:kind": "organisation", "undersigned:show_name": True})
    assert call(anon, statement, payload, sign_token).status_code == 202
    signature = Signature.objects.get()
    assert signature.kind == Signature.Kind.ORGANISATION
    assert signature.organisation_name == "River Keepers" and signature.role == "Chair"


# --- tokens ------------------------------------------------------------------------------------

def test_no_token_bad_token_and_revoked_token_are_401(anon, statement, sign_token):
    token, text = make_token(name="old", scopes={Scope.SIGN})
    revoke(token)
    prefix = sign_token.partition(".")[0]
    for sent in (None, "nonsense", f"{prefix}.wrong-secret", text, "." * 300):
        response = call(anon, statement, body(), sent)
        assert response.status_code == 401, sent
        assert response.json()["osdi:error"]["response_code"] == 401
    assert stored() == (0, 0)


@pytest.mark.parametrize("scopes", [set(), {Scope.READ}, {Scope.READ, Scope.READ_PRIVATE}])
def test_a_token_without_the_sign_scope_is_403(anon, statement, scopes):
    text = make_token(name="reader", scopes=scopes)[1]
    assert call(anon, statement, body(), text).status_code == 403
    assert stored() == (0, 0)


# --- bad input: a clear 4xx, nothing stored ------------------------------------------------------

BAD_BODIES = [
    ("not json", b"{nope", 400),
    ("broken utf-8", b'{"person": {"given_name": "\xff"}}', 400),
    ("a list", b"[]", 400),
    ("null", b"null", 400),
    ("deep", b"[" * 100_000 + b"]" * 100_000, 413),
    ("deep but small", b'{"person":' + b"[" * 5000 + b"]" * 5000 + b"}", 400),
]


@pytest.mark.parametrize(("label", "raw", "status"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_unreadable_bodies_are_refused(anon, statement, sign_token, label, raw, status):
    response = call(anon, statement, None, sign_token, raw=raw)
    assert response.status_code == status, response.content
    assert error_description(response)
    assert stored() == (0, 0)


BAD_FIELDS = [
    ("no person", {"comments": "hi"}),
    ("person not an object", {"person": "Ana"}),
    ("no email", body(person={"email_addresses": []})),
    ("email not a list", body(person={"email_addresses": "ana@example.org"})),
    ("email not a string", body(person={"email_addresses": [{"address": 7}]})),
    ("bad email", body("not-an-address")),
    ("no name", body(person={"given_name": "", "family_name": None})),
    ("name too long", body(person={"given_name": "A" * 201})),
    ("control character", body(person={"family_name": "Li\u0000ma"})),
    ("bidi override", body(person={"family_name": "Li\u202ema"})),
    ("comment too long", body(comments="x" * 1001)),
    ("show_name as text", body(**{"undersigned:show_name": "yes"})),
    ("contact as number", body(**{"undersigned:contact": 1})),
    ("unknown kind", body(**{"undersigned:kind": "robot"})),
    ("organisation without one", body(**{"undersigned:kind": "organisation"})),
    ("referrer too long", body(referrer_data={"source": "r" * 101})),
    ("referrer not text", body(referrer_data={"source": ["a"]})),
    ("referrer control", body(referrer_data={"source": "a\u0007b"})),
    ("languages not a list", body(person={"languages_spoken": "es"})),
    ("postal not a list", body(person={"postal_addresses": {"country": "BR"}})),
    ("country too long", body(person={"postal_addresses": [{"country": "C" * 101}]})),
]


@pytest.mark.parametrize(("label", "payload"), BAD_FIELDS, ids=[b[0] for b in BAD_FIELDS])
def test_invalid_sign_ons_are_400_and_say_where(anon, statement, sign_token, label, payload):
    response = call(anon, statement, payload, sign_token)
    assert response.status_code == 400, response.content
    assert error_description(response)
    assert stored() == (0, 0)


def test_the_error_names_the_field_in_json_terms(anon, statement, sign_token):
    response = call(anon, statement, body("nope"), sign_token)
    assert "person.email_addresses[0].address" in error_description(response)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/json; charset=latin-1", ""])
def test_other_content_types_are_415(anon, statement, sign_token, content_type):
    response = call(anon, statement, body(), sign_token, content_type=content_type)
    assert response.status_code == 415
    assert stored() == (0, 0)


def test_hal_json_in_utf8_is_accepted(anon, statement, sign_token):
    response = call(anon, statement, body(), sign_token,
                    content_type="application/hal+json; charset=UTF-8")
    assert response.status_code == 202


def test_a_huge_body_is_413(anon, statement, sign_token):
    response = call(anon, statement, body(comments="x" * 40_000), sign_token)
    assert response.status_code == 413
    assert stored() == (0, 0)


def test_other_methods_are_405(anon, statement, sign_token):
    response = anon.get(helper_url(statement), headers={"OSDI-API-Token": sign_token})
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_unknown_draft_and_closed_petitions(anon, sign_token):
    draft = make_statement("draft", status=Statement.Status.DRAFT)
    closed = make_statement("closed", status=Statement.Status.CLOSED)
    assert call(anon, 999_999, body(), sign_token).status_code == 404
    assert call(anon, draft, body(), sign_token).status_code == 404
    response = call(anon, closed, body(), sign_token)
    assert response.status_code == 403 and "closed" in error_description(response)
    assert stored() == (0, 0)


# --- limits and surges ---------------------------------------------------------------------------

def test_a_token_is_held_to_a_networks_limit(anon, statement, sign_token, monkeypatch,
                                             frozen_limit_clock):
    monkeypatch.setattr(sign_views, "SIGN_NETWORK_STATEMENT_LIMIT",
                        sign_views.Limit("sign:network-statement", 3, 300))
    answers = [call(anon, statement, body(f"s{n}@example.org"), sign_token).status_code
               for n in range(4)]
    assert answers == [202, 202, 202, 429]
    assert stored() == (0, 3)
    # Another token is another "network": it is not refused by the first one's flood.
    other = make_token(name="Other partner", scopes={Scope.SIGN})[1]
    assert call(anon, statement, body("t@example.org"), other).status_code == 202
    # Nor are the form's visitors.
    assert post_sign(Client(), statement, email="form@example.org").status_code == 303
    refused = call(anon, statement, body("s9@example.org"), sign_token)
    assert refused.status_code == 429 and refused["Retry-After"]


def test_a_refused_call_uses_up_no_allowance(anon, statement, sign_token, monkeypatch,
                                             frozen_limit_clock):
    monkeypatch.setattr(sign_views, "SIGN_NETWORK_STATEMENT_LIMIT",
                        sign_views.Limit("sign:network-statement", 1, 300))
    for _ in range(3):
        assert call(anon, statement, body("bad"), sign_token).status_code == 400
    assert call(anon, statement, body(), sign_token).status_code == 202


@pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction
def test_in_surge_mode_a_token_needs_no_proof_of_work_and_its_sign_ons_are_held(
        anon, statement, sign_token, mailbox, tasks):
    from datetime import timedelta

    from django.utils import timezone
    now = timezone.now()
    Statement.objects.filter(pk=statement.pk).update(
        surge_started_at=now - timedelta(minutes=1), surge_until=now + timedelta(hours=1))
    from statements.pages import statement_changed
    statement_changed(statement.pk, row=True)
    assert call(anon, statement, body(), sign_token).status_code == 202
    tasks()
    confirm(anon, links(mailbox.text(mailbox.to("ana@example.org")[0]))["confirm"])
    assert Signature.objects.get().status == Signature.Status.HELD


@pytest.mark.parametrize("petition", [2**63, 10**30, 0])
def test_absurd_petition_ids_are_404(anon, sign_token, petition):
    assert call(anon, petition, body(), sign_token).status_code == 404
    assert stored() == (0, 0)
