"""Signing: the form, validation, storage with the mail queued, the duplicate answer."""

from __future__ import annotations

import re

import pytest
from django_tasks_db.models import DBTaskResult

from signatures import intake
from signatures.models import Signature, SignOn
from signatures.tasks import MIN_MAIL_INTERVAL
from tests.conftest import make_statement
from tests.signatures.conftest import mail_links, post_sign, sign_data

pytestmark = pytest.mark.django_db


def test_form_on_the_statement_page_has_the_contract_fields(anon, statement):
    html = anon.get("/en/s/water-is-life/").content.decode()
    form = html[html.index('class="sign-form"'):html.index("</form>", html.index('class="sign-form"'))]
    for name in ("kind", "name", "organisation", "role", "country", "email", "show_name",
                 "comment"):
        assert f'name="{name}"' in form
    assert 'value="individual"' in form and 'value="organisation"' in form
    assert re.search(r'name="show_name"[^>]*checked', form)
    assert "(required)" in form  # required marks in words
    email_field = form[form.index('for="id_email"'):form.index('name="show_name"')]
    assert "never be published" in email_field  # the privacy notice sits by the field
    assert "csrfmiddlewaretoken" not in html


def test_statement_page_is_the_same_bytes_for_two_visitors(statement, client,
                                                          frozen_limit_clock):
    from unittest import mock

    from django.test import Client

    from pages import store as pagecache
    # Both visits inside one token window (the token changes with the window, not the visitor:
    # the frozen clock), and past the page cache so that both are really rendered.
    with mock.patch.object(pagecache, "lookup", return_value=None), \
            mock.patch.object(pagecache, "store"):
        first = client.get("/en/s/water-is-life/")
        second = Client().get("/en/s/water-is-life/", REMOTE_ADDR="198.51.100.9",
                              HTTP_USER_AGENT="Other/1.0", HTTP_SEC_FETCH_SITE="none")
    assert first.content == second.content
    assert "Set-Cookie" not in first.headers and not first.cookies


@pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction
def test_sign_stores_unconfirmed_and_queues_the_mail_in_one_go(anon, statement, mailbox, tasks):
    response = post_sign(anon, statement, email="  Ana@Example.ORG ")
    assert response.status_code == 303
    assert response["Location"] == "/en/sign/water-is-life/sent/"
    signature = Signature.objects.get()
    assert signature.status == Signature.Status.UNCONFIRMED
    assert signature.email == "ana@example.org"
    assert signature.ip_hash and "203.0.113.7" not in signature.ip_hash
    assert DBTaskResult.objects.count() == 1  # the mail is a durable task row, not SMTP
    assert mailbox.messages == []
    tasks()
    [message] = mailbox.to("ana@example.org")
    body = mailbox.text(message)
    assert "Please confirm" in message["Subject"]
    found = mail_links(mailbox, "ana@example.org")
    assert set(found) == {"confirm", "manage"}
    assert "Ana Lima" not in message["Subject"]
    assert "Water is life" in body


@pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction
def test_mail_is_in_the_signers_language(anon, statement, mailbox, tasks):
    post_sign(anon, statement, language="es", email="eva@example.org")
    tasks()
    found = mail_links(mailbox, "eva@example.org")
    assert found["confirm"].startswith("/es/")


def test_sent_page_is_static(anon, statement):
    response = anon.get("/en/sign/water-is-life/sent/")
    assert response.status_code == 200
    assert b"Check your inbox" in response.content


@pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction
def test_duplicate_answer_is_byte_for_byte_the_same(anon, statement, mailbox, tasks, client):
    first = post_sign(anon, statement, email="ana@example.org")
    from django.test import Client
    second = post_sign(Client(), statement, email=" ANA@example.org")
    assert (first.status_code, first.content, first["Location"]) == \
        (second.status_code, second.content, second["Location"])
    assert sorted(first.headers.items()) == sorted(second.headers.items())
    page_one = anon.get(first["Location"]).content
    page_two = Client().get(second["Location"]).content
    assert page_one == page_two
    assert Signature.objects.count() == 1


@pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction
def test_existing_signer_gets_the_manage_link_instead(anon, statement, mailbox, tasks):
    post_sign(anon, statement, email="ana@example.org")
    tasks()
    links = mail_links(mailbox, "ana@example.org")
    anon.post(links["confirm"])
    Signature.objects.update(last_mailed_at=Signature.objects.get().last_mailed_at
                             - MIN_MAIL_INTERVAL)
    post_sign(anon, statement, email="Ana@example.org", name="Someone Else")
    tasks()
    messages = mailbox.to("ana@example.org")
    assert len(messages) == 2
    assert "already signed" in messages[1]["Subject"]
    again = mail_links(mailbox, "ana@example.org")
    assert set(again) == {"manage"}
    assert Signature.objects.get().name == "Ana Lima"  # nothing changed by the second try


@pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction
def test_duplicate_mails_are_limited(anon, statement, mailbox, tasks):
    for _ in range(5):
        post_sign(anon, statement, email="victim@example.org")
    tasks()
    assert len(mailbox.to("victim@example.org")) == 1  # the interval holds the rest back
    assert Signature.objects.count() == 1


def test_organisation_needs_organisation_and_role(anon, statement):
    response = post_sign(anon, statement, kind="organisation", organisation="", role="")
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count("Required when you sign on behalf of an organisation.") == 2
    assert 'value="Ana Lima"' in html  # input kept
    assert 'value="organisation" id="id_kind_1" checked' in html
    assert Signature.objects.count() == 0


def test_errors_sit_next_to_their_field(anon, statement):
    response = post_sign(anon, statement, email="not-an-address", name="")
    html = response.content.decode()
    assert response.status_code == 400
    name_field = html[html.index('for="id_name"'):html.index('id="id_name"')]
    assert "errorlist" in name_field
    email_field = html[html.index('for="id_email"'):html.index('id="id_email"')]
    assert "like name@example.org" in email_field
    assert 'value="not-an-address"' in html
    assert 'aria-invalid="true"' in html


@pytest.mark.parametrize("fields", [
    {"name": "A" * 201},
    {"comment": "x" * 1001},
    {"email": "a" * 250 + "@example.org"},
    {"name": "Ana\x00Lima"},
    {"name": "Ana\x07Lima"},
    {"name": "Ana\u202eLima"},
    {"comment": "fine\x1bbad"},
    {"country": "Bra\ufffdzil"},
    {"kind": "robot"},
])
def test_bad_fields_are_refused_and_nothing_stored(anon, statement, fields):
    response = post_sign(anon, statement, **fields)
    assert response.status_code == 400
    assert Signature.objects.count() == 0


def test_names_are_normalised_to_nfc(anon, statement):
    post_sign(anon, statement, name="Jose\u0301  Lima")
    assert Signature.objects.get().name == "Jos\u00e9 Lima"


def test_broken_utf8_is_refused(anon, statement):
    body = ("kind=individual&name=Ana%FF%FELima&email=ana%40example.org&form_token="
            + sign_data(statement)["form_token"])
    response = anon.generic("POST", "/en/sign/water-is-life/", body,
                            content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert Signature.objects.count() == 0


def test_huge_body_wrong_method_and_cross_site(anon, statement):
    big = anon.post("/en/sign/water-is-life/", sign_data(statement, comment="x" * 2_000_000))
    assert big.status_code == 413
    assert anon.get("/en/sign/water-is-life/").status_code == 405
    assert anon.put("/en/sign/water-is-life/").status_code == 405
    cross = anon.post("/en/sign/water-is-life/", sign_data(statement),
                      HTTP_ORIGIN="https://evil.example")
    assert cross.status_code == 403
    fetch = anon.post("/en/sign/water-is-life/", sign_data(statement),
                      HTTP_SEC_FETCH_SITE="cross-site")
    assert fetch.status_code == 403
    same = anon.post("/en/sign/water-is-life/", sign_data(statement, email="ok@example.org"),
                     HTTP_SEC_FETCH_SITE="same-origin", HTTP_ORIGIN="http://testserver")
    assert same.status_code == 303
    assert list(Signature.objects.values_list("email", flat=True)) == ["ok@example.org"]


def test_unknown_statement_and_draft_are_404(anon):
    draft = make_statement("draft", status="draft")
    assert anon.post("/en/sign/nope/", sign_data(draft)).status_code == 404
    assert anon.post("/en/sign/draft/", sign_data(draft)).status_code == 404


def test_honeypot_answers_like_success_and_stores_nothing(anon, statement):
    response = post_sign(anon, statement, fax="+1 555 0100")
    assert response.status_code == 303
    assert Signature.objects.count() == 0


@pytest.mark.parametrize("token", ["", "nonsense", "123.abc", "1.é", "9" * 5000])
def test_forged_or_missing_form_token_is_refused(anon, statement, token):
    response = post_sign(anon, statement, form_token=token)
    assert response.status_code == 400
    assert b"send it again" in response.content
    assert Signature.objects.count() == 0


def test_too_fast_is_refused(anon, statement):
    from core import protection
    response = post_sign(anon, statement, form_token=protection.form_token("sign", statement.pk,
                                                                           now=9e9))
    assert response.status_code == 400
    assert Signature.objects.count() == 0


def test_a_token_for_another_statement_is_refused(anon, statement):
    other = make_statement("other")
    response = post_sign(anon, statement, form_token=sign_data(other)["form_token"])
    assert response.status_code == 400


def test_closed_and_past_deadline_show_a_message_instead_of_the_form(anon):
    from datetime import timedelta

    from django.utils import timezone
    closed = make_statement("closed", status="closed")
    late = make_statement("late", signing_deadline=timezone.now() - timedelta(hours=1))
    for statement in (closed, late):
        html = anon.get(f"/en/s/{statement.slug}/").content.decode()
        assert 'class="sign-form"' not in html
        assert "Signing closed" in html or "Signing is closed" in html
        response = post_sign(anon, statement, email=f"{statement.slug}@example.org")
        assert response.status_code == 403
        assert b"no longer accepts signatures" in response.content
    assert Signature.objects.count() == 0


def test_a_classroom_behind_one_address_can_sign(anon, statement):
    for n in range(30):
        assert post_sign(anon, statement, email=f"pupil{n}@example.org",
                         name=f"Pupil {n}").status_code == 303
    assert Signature.objects.count() == 30


def test_a_burst_from_one_address_is_slowed(anon, statement, frozen_limit_clock):
    from signatures.views import SIGN_NETWORK_STATEMENT_LIMIT
    burst = SIGN_NETWORK_STATEMENT_LIMIT.count
    codes = [post_sign(anon, statement, email=f"bot{n}@example.org").status_code
             for n in range(burst + 5)]
    assert codes[:burst] == [303] * burst
    assert codes[burst:] == [429] * 5
    assert Signature.objects.count() == burst
    # Another network is not affected.
    assert post_sign(anon, statement, email="else@example.org", ip="198.51.100.1"
                     ).status_code == 303


def test_the_signing_post_is_a_handful_of_queries(anon, statement, monkeypatch,
                                                  django_assert_max_num_queries):
    # Quiet site: the statement, the append, then applying it (pending rows, existing
    # addresses, insert, task row, delete; + savepoints): no COUNT, no hashing, no SMTP.
    with django_assert_max_num_queries(14):
        assert post_sign(anon, statement, email="fast@example.org").status_code == 303
    # In a surge (this process applied just now) the request only appends its row: one
    # INSERT, its own transaction (no BEGIN and COMMIT round trips around it).
    monkeypatch.setattr(intake, "APPLY_INTERVAL", 3600)
    intake.apply_if_due()
    with django_assert_max_num_queries(1):
        assert post_sign(anon, statement, email="faster@example.org").status_code == 303
    assert SignOn.objects.filter(email="faster@example.org").exists()


@pytest.mark.django_db(transaction=True)
def test_signature_and_mail_task_commit_together_or_not_at_all(statement):
    """Invariant 6: a signature and its mail's task row are one transaction, and the answer
    comes only after the sign-on itself is committed."""
    from unittest import mock

    from django.db import DatabaseError, connections
    from django.test import Client

    client = Client(raise_request_exception=False)
    with mock.patch("signatures.intake._append", side_effect=DatabaseError("disk full")):
        assert post_sign(client, statement, email="lost@example.org").status_code == 500
    assert not SignOn.objects.exists()
    assert not Signature.objects.exists()
    # Accepted, but the task row cannot be written: no signature without its mail. The sign-on
    # stays in the intake and is applied later, with its mail.
    with mock.patch("signatures.intake.mail_confirmations") as task:
        task.enqueue.side_effect = DatabaseError("disk full")
        assert post_sign(client, statement, email="late@example.org").status_code == 303
    assert not Signature.objects.exists()
    assert DBTaskResult.objects.count() == 0
    assert SignOn.objects.filter(email="late@example.org").count() == 1
    assert intake.apply_pending() == 1
    assert Signature.objects.get().email == "late@example.org"
    assert DBTaskResult.objects.count() == 1
    assert not SignOn.objects.exists()
    # And when it works, the answer comes after the commit: another connection sees the row.
    assert post_sign(Client(), statement, email="kept@example.org").status_code == 303
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM signatures_signature WHERE email = %s",
                           ["kept@example.org"])
            assert cursor.fetchone()[0] == 1
    finally:
        other.close()
