"""Confirmation (safe against mail scanners), the policy, the manage link, resend, expiry."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import protection
from signatures import actions, tokens
from signatures.models import Signature, SignatureCounter
from signatures.tasks import MAX_MAILS_PER_SIGNATURE
from statements.actions import record_revisions
from statements.pages import statement_generation
from tests.conftest import make_statement
from tests.signatures.conftest import mail_links, post_sign

# Transactional: the page cache is told of changes on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def counter(statement) -> SignatureCounter:
    return actions.counts(statement)


def test_get_on_the_confirmation_link_changes_nothing(anon, statement, signed):
    signature, links = signed()
    for _ in range(3):
        response = anon.get(links["confirm"])
        assert response.status_code == 200
        assert b"Confirm my signature" in response.content
        assert b"<form method=\"post\"" in response.content
    anon.head(links["confirm"])
    signature.refresh_from_db()
    assert signature.status == Signature.Status.UNCONFIRMED
    assert signature.confirmed_at is None
    assert counter(statement).total == 0


def test_post_confirms_records_the_revision_and_shows_the_name(anon, statement, signed):
    record_revisions(statement, actor=None)
    generation = statement_generation(statement.pk)
    signature, links = signed()
    response = anon.post(links["confirm"])
    assert response.status_code == 303
    assert "/signature/manage/" in response["Location"]
    signature.refresh_from_db()
    assert signature.status == Signature.Status.VISIBLE
    assert signature.revision == statement.revisions.get()
    assert signature.confirmed_at is not None
    assert (counter(statement).individuals, counter(statement).individuals_named) == (1, 1)
    assert statement_generation(statement.pk) != generation
    page = anon.get(response["Location"])
    assert b"confirmed and on the list" in page.content
    assert "Ana Lima" in anon.get("/en/s/water-is-life/").content.decode()


def test_reused_confirmation_link_is_a_clear_409(anon, statement, signed):
    _signature, links = signed()
    anon.post(links["confirm"])
    again = anon.post(links["confirm"])
    assert again.status_code == 409
    assert b"already confirmed" in again.content
    assert anon.get(links["confirm"]).status_code == 409
    assert counter(statement).total == 1


@pytest.mark.parametrize("token", ["1.{now}.def", "abc", "999.{now}.0123456789abcdef0123456789abcdef",
                                   "1.{now}.0123456789abcdef0123456789abcdef", "1.2", "x" * 500,
                                   "1.zz.%00", "1.{now}.%C3%A9"])
def test_forged_links_are_a_clear_4xx(anon, statement, signed, token):
    signed()
    token = token.format(now=protection.base36(int(time.time())))
    expected = 400 if "%00" in token else 404
    assert anon.get(f"/en/signature/confirm/{token}/").status_code == expected
    assert anon.post(f"/en/signature/confirm/{token}/").status_code == expected
    assert anon.get(f"/en/signature/manage/{token}/").status_code == expected
    assert Signature.objects.get().status == Signature.Status.UNCONFIRMED


def test_a_confirm_token_does_not_open_the_manage_page(anon, statement, signed):
    _signature, links = signed()
    token = links["confirm"].split("/")[-2]
    assert anon.get(f"/en/signature/manage/{token}/").status_code == 404


def test_expired_link_is_410_and_expiry_deletes(anon, statement, signed, settings):
    signature, links = signed()
    later = time.time() + 8 * 86400
    with mock.patch("signatures.tokens.time.time", return_value=later):
        assert anon.get(links["confirm"]).status_code == 410
        assert anon.post(links["confirm"]).status_code == 410
    signature.refresh_from_db()
    assert signature.status == Signature.Status.UNCONFIRMED
    Signature.objects.filter(pk=signature.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert actions.expire_unconfirmed() == 1
    assert not Signature.objects.exists()
    with mock.patch("signatures.tokens.time.time", return_value=later):
        assert anon.get(links["confirm"]).status_code == 410


def test_expiry_period_comes_from_settings(statement, settings, anon):
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "UNCONFIRMED_EXPIRY_DAYS": 2}
    post_sign(anon, statement, email="a@example.org")
    post_sign(anon, statement, email="b@example.org")
    Signature.objects.filter(email="a@example.org").update(
        created_at=timezone.now() - timedelta(days=3))
    Signature.objects.filter(email="b@example.org").update(
        created_at=timezone.now() - timedelta(days=1))
    assert actions.expire_unconfirmed() == 1
    assert list(Signature.objects.values_list("email", flat=True)) == ["b@example.org"]


def test_confirmed_signatures_never_expire(anon, statement, signed):
    signature, links = signed()
    anon.post(links["confirm"])
    Signature.objects.update(created_at=timezone.now() - timedelta(days=80))
    assert actions.expire_unconfirmed() == 0


@pytest.mark.parametrize(("policy", "kind", "expected"), [
    ("organisations", "individual", "visible"),
    ("organisations", "organisation", "held"),
    ("none", "organisation", "visible"),
    ("all", "individual", "held"),
])
def test_moderation_policy_decides(anon, mailbox, tasks, policy, kind, expected):
    statement = make_statement("policy", signature_moderation=policy)
    post_sign(anon, statement, kind=kind, organisation="River Keepers Brazil", role="Chair")
    tasks()
    anon.post(mail_links(mailbox, "ana@example.org")["confirm"])
    signature = Signature.objects.get()
    assert signature.status == expected
    html = anon.get("/en/s/policy/").content.decode()
    shown = "River Keepers Brazil" if kind == "organisation" else "Ana Lima"
    assert (shown in html) == (expected == "visible")
    if expected == "visible" and kind == "organisation":
        assert signature.organisation is not None  # linked to an Organisation record


def test_manage_hide_and_show_the_name(anon, statement, signed):
    _signature, links = signed()
    anon.post(links["confirm"])
    base = {"action": "correct", "name": "Ana Lima", "organisation": "", "role": "",
            "country": "Brazil", "comment": ""}
    assert anon.post(links["manage"], base).status_code == 303  # show_name unticked
    assert "Ana Lima" not in anon.get("/en/s/water-is-life/").content.decode()
    assert (counter(statement).individuals, counter(statement).individuals_named) == (1, 0)
    assert "and 1 other" in anon.get("/en/s/water-is-life/").content.decode()
    anon.post(links["manage"], {**base, "show_name": "on"})
    assert "Ana Lima" in anon.get("/en/s/water-is-life/").content.decode()
    assert counter(statement).individuals_named == 1


def test_manage_correct_a_typo(anon, statement, signed):
    _signature, links = signed(name="Ana Lmia")
    anon.post(links["confirm"])
    page = anon.get(links["manage"]).content.decode()
    assert 'value="Ana Lmia"' in page
    response = anon.post(links["manage"], {"action": "correct", "name": "Ana Lima",
                                           "organisation": "", "role": "", "country": "Brazil",
                                           "comment": "", "show_name": "on"})
    assert response.status_code == 303
    html = anon.get("/en/s/water-is-life/").content.decode()
    assert "Ana Lima" in html and "Ana Lmia" not in html


def test_manage_correction_errors_keep_input(anon, statement, signed):
    _signature, links = signed()
    response = anon.post(links["manage"], {"action": "correct", "name": "", "country": "X\x01",
                                           "show_name": "on"})
    assert response.status_code == 400
    assert b"errorlist" in response.content
    assert Signature.objects.get().name == "Ana Lima"


def test_corrected_organisation_goes_back_to_review(anon, statement, signed, moderator_client):
    signature, links = signed(kind="organisation", organisation="Good Org", role="Chair")
    anon.post(links["confirm"])
    actions.do_approve(Signature.objects.all(), actor=None)
    assert "Good Org" in anon.get("/en/s/water-is-life/").content.decode()
    anon.post(links["manage"], {"action": "correct", "name": "Ana Lima", "organisation": "Evil Org",
                                "role": "Chair", "country": "", "comment": "",
                                "show_name": "on"})
    signature.refresh_from_db()
    assert signature.status == Signature.Status.HELD
    html = anon.get("/en/s/water-is-life/").content.decode()
    assert "Evil Org" not in html and "Good Org" not in html
    assert counter(statement).organisations == 0


def test_withdraw_is_immediate_final_and_erases(anon, statement, signed):
    signature, links = signed(comment="Because.")
    anon.post(links["confirm"])
    assert counter(statement).total == 1
    response = anon.post(links["manage"], {"action": "withdraw"})
    assert response.status_code == 200
    assert b"withdrawn" in response.content
    html = anon.get("/en/s/water-is-life/").content.decode()
    assert "Ana Lima" not in html
    assert counter(statement).total == 0
    signature.refresh_from_db()
    assert signature.status == Signature.Status.WITHDRAWN
    assert (signature.name, signature.email, signature.comment, signature.ip_hash) == ("", "", "", "")
    assert anon.get(links["manage"]).status_code == 410
    assert anon.post(links["manage"], {"action": "correct", "name": "Back"}).status_code == 410
    assert anon.post(links["confirm"]).status_code == 410


def test_manage_get_changes_nothing_and_unknown_action_is_400(anon, statement, signed):
    signature, links = signed()
    anon.get(links["manage"])
    assert anon.post(links["manage"], {"action": "explode"}).status_code == 400
    assert anon.post(links["manage"], {"action": "withdraw"},
                     HTTP_SEC_FETCH_SITE="cross-site").status_code == 403
    signature.refresh_from_db()
    assert signature.status == Signature.Status.UNCONFIRMED


def test_resend_confirmation_is_limited(anon, statement, signed, mailbox, tasks,
                                        frozen_limit_clock):
    signed()
    for _ in range(3):
        response = anon.post("/en/sign/water-is-life/resend/", {"email": "ANA@example.org "})
        assert response.status_code == 303
    tasks()
    assert len(mailbox.to("ana@example.org")) == 1  # too soon after the first mail
    for _ in range(10):
        Signature.objects.update(last_mailed_at=timezone.now() - timedelta(hours=1))
        anon.post("/en/sign/water-is-life/resend/", {"email": "ana@example.org"})
        tasks()  # the worker decides, by the signature's mail times when it runs
    assert len(mailbox.to("ana@example.org")) == MAX_MAILS_PER_SIGNATURE
    messages = mailbox.to("ana@example.org")
    assert "confirm" in mail_links(mailbox, "ana@example.org")
    assert all("Please confirm" in m["Subject"] for m in messages)


def test_resend_answer_is_the_same_for_unknown_addresses(anon, statement, signed, mailbox, tasks):
    signed()
    known = anon.post("/en/sign/water-is-life/resend/", {"email": "ana@example.org"})
    unknown = anon.post("/en/sign/water-is-life/resend/", {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    tasks()
    assert mailbox.to("nobody@example.org") == []
    assert anon.get("/en/sign/water-is-life/resend/").status_code == 405


def test_a_signature_sent_in_time_may_be_confirmed_after_the_deadline(anon, statement, signed):
    _signature, links = signed()
    statement.signing_deadline = timezone.now() + timedelta(seconds=1)
    statement.save()
    type(statement).objects.filter(pk=statement.pk).update(
        signing_deadline=timezone.now() - timedelta(seconds=1))
    Signature.objects.update(created_at=timezone.now() - timedelta(minutes=1))
    assert anon.post(links["confirm"]).status_code == 303


def test_reconcile_command_fixes_drifted_counters(anon, statement, signed, capsys):
    _signature, links = signed()
    anon.post(links["confirm"])
    SignatureCounter.objects.update(individuals=500, individuals_named=7)
    call_command("reconcile-signature-counts")
    assert "1 statement(s) corrected" in capsys.readouterr().out
    assert (counter(statement).individuals, counter(statement).individuals_named) == (1, 1)
    call_command("reconcile-signature-counts", "--statement", statement.slug)
    assert "0 statement(s) corrected" in capsys.readouterr().out


def test_tokens_are_bound_to_their_salt(statement, signed):
    signature, _links = signed()
    token = tokens.make_token(signature, tokens.MANAGE)
    assert tokens.read_token(token, tokens.MANAGE).pk == signature.pk
    Signature.objects.filter(pk=signature.pk).update(token_salt="rotated")
    with pytest.raises(tokens.TokenInvalid):
        tokens.read_token(token, tokens.MANAGE)


def test_resend_does_the_same_work_for_a_pending_and_an_unknown_address(anon, statement,
                                                                        signed, mailbox, tasks):
    """A resend that looked the address up in the request took longer for a pending one: the
    answer's timing told a stranger who had signed. Both now run the same statements and
    leave one task row of the same kind, without the address in it; the worker decides."""
    from django_tasks_db.models import DBTaskResult

    from tests.querywork import work_of, writes

    signed()
    Signature.objects.update(last_mailed_at=timezone.now() - timedelta(hours=1))
    runs = {email: work_of(lambda email=email: anon.post(
                "/en/sign/water-is-life/resend/", {"email": email}))
            for email in ("ana@example.org", "nobody-at-all@example.org")}
    (known, known_sql, known_tasks), (unknown, unknown_sql, unknown_tasks) = runs.values()
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert writes(known_sql) and writes(known_sql) == writes(unknown_sql)
    assert known_sql == unknown_sql
    assert len(known_tasks) == len(unknown_tasks) == 1
    [known_task], [unknown_task] = known_tasks, unknown_tasks
    assert known_task["task_path"] == unknown_task["task_path"]
    assert known_task["queue_name"] == unknown_task["queue_name"]
    known_args, unknown_args = known_task["args_kwargs"], unknown_task["args_kwargs"]
    assert set(known_args["kwargs"]) == set(unknown_args["kwargs"])
    assert len(known_args["kwargs"]["sealed"]) == len(unknown_args["kwargs"]["sealed"])
    for row in (known_task, unknown_task):
        assert "example.org" not in str(row).lower()
    tasks()
    assert len(mailbox.to("ana@example.org")) == 2  # the sign-on's, then the resend's
    assert "confirm" in mail_links(mailbox, "ana@example.org")
    assert mailbox.to("nobody-at-all@example.org") == []
    # Once the worker has used it, not even the sealed address stays in the task table.
    for row in DBTaskResult.objects.filter(pk__in=[known_task["id"], unknown_task["id"]]):
        assert row.status == "SUCCESSFUL" and row.args_kwargs["kwargs"]["sealed"] == ""


def test_the_inbox_page_says_when_to_ask_again_instead_of_claiming_a_mail(anon, statement,
                                                                         signed, mailbox, tasks):
    """Signing again (or asking again) within minutes of a mail sends none; the page, the
    same for every address, must not say one was sent, and says when asking again helps."""
    signed()
    response = post_sign(anon, statement)  # the same address, a minute later: no new mail
    tasks()
    assert len(mailbox.to("ana@example.org")) == 1
    page = anon.get(response["Location"]).content.decode()
    assert "We have sent you an email" not in page
    assert "If we sent one to this address in the last 5 minutes, no new email goes out now" in page
    assert "ask again in 5 minutes" in page
    assert f"at most {MAX_MAILS_PER_SIGNATURE} in all" in page
    # The resend answer is one page for every address: nothing in it depends on the address.
    pages = {anon.get(anon.post("/en/sign/water-is-life/resend/", {"email": email})["Location"]
                      ).content for email in ("ana@example.org", "nobody@example.org")}
    assert len(pages) == 1
    assert "ask again in 5 minutes" in pages.pop().decode()
