"""Sign-on floods (issue 14, item 10): networks not addresses, per-statement and site-wide caps,
surge mode, and limited confirmations; and a refused flood shuts nobody else out (item 7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client, RequestFactory
from django.utils import timezone

from core import proof_of_work, protection
from core.models import AuditEntry
from core.roles import MODERATOR
from ops import maintenance
from pages import store as pagecache
from signatures.models import Signature, SignOn
from signatures.views import SIGN_NETWORK_STATEMENT_LIMIT
from statements import actions as statement_actions
from statements.models import Statement
from tests.conftest import make_statement
from tests.signatures.conftest import confirm, mail_links, post_sign
from tests.signatures.test_privacy_and_pow import solution

# Rate-limit windows follow the wall clock: a test running across the end of a minute would see
# its counts start again. The limits' clock stands still in these tests (tests/conftest.py).
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("frozen_limit_clock")]


def limits(settings, **values: int) -> None:  # noqa: ANN001
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, **values}


def network_hash(ip: str) -> str:
    return protection.ip_hash(RequestFactory().post("/", REMOTE_ADDR=ip))


def fresh_page(client: Client, statement: Statement) -> str:
    pagecache.clear_local()  # skip the per-process second of lag; the generations still decide
    response = client.get(f"/en/s/{statement.slug}/")
    assert response.status_code == 200
    return response.content.decode()


# --- networks -----------------------------------------------------------------------------

def test_an_ipv6_64_is_one_network_and_ipv4_stays_per_address():
    assert network_hash("2001:db8:7:1::1") == network_hash("2001:db8:7:1:ffff:abcd:1:2")
    assert network_hash("2001:db8:7:1::1") != network_hash("2001:db8:7:2::1")
    assert network_hash("::ffff:192.0.2.10") == network_hash("192.0.2.10")
    assert network_hash("192.0.2.10") != network_hash("192.0.2.11")


def test_a_flood_from_fresh_ipv6_addresses_of_one_64_is_slowed(anon, statement):
    burst = SIGN_NETWORK_STATEMENT_LIMIT.count
    codes = [post_sign(anon, statement, email=f"bot{n}@example.org",
                       ip=f"2001:db8:7:1::{n + 1:x}").status_code for n in range(burst + 3)]
    assert codes == [303] * burst + [429] * 3
    assert Signature.objects.count() == burst
    # The next /64 is another network.
    assert post_sign(anon, statement, email="else@example.org",
                     ip="2001:db8:7:2::1").status_code == 303


# --- per-statement and site-wide caps -------------------------------------------------------

def test_the_per_statement_cap_refuses_with_a_clear_429(settings, anon, statement):
    limits(settings, SIGN_STATEMENT_PER_MINUTE=3)
    for n in range(3):
        assert post_sign(anon, statement, email=f"s{n}@example.org",
                         ip=f"192.0.2.{n + 1}").status_code == 303
    refused = post_sign(anon, statement, email="late@example.org", ip="192.0.2.99")
    assert refused.status_code == 429
    assert b"So many people are signing right now" in refused.content
    assert not Signature.objects.filter(email="late@example.org").exists()
    assert not SignOn.objects.exists()
    # Another statement is not affected.
    other = make_statement("other-cause")
    assert post_sign(anon, other, email="late@example.org", ip="192.0.2.99").status_code == 303


def test_the_site_wide_cap_refuses_with_a_clear_429(settings, anon, statement):
    limits(settings, SIGN_SITE_PER_MINUTE=3)
    other = make_statement("other-cause")
    for n, target in enumerate([statement, other, statement]):
        assert post_sign(anon, target, email=f"s{n}@example.org",
                         ip=f"192.0.2.{n + 1}").status_code == 303
    refused = post_sign(anon, other, email="late@example.org", ip="192.0.2.99")
    assert refused.status_code == 429
    assert b"So many people are signing right now" in refused.content
    assert Signature.objects.count() == 3


def test_a_refused_flood_does_not_use_up_the_statements_limit(settings, anon, statement):
    """Item 7 for sign-ons: what a network's own limit refuses is not counted further."""
    limits(settings, SIGN_STATEMENT_PER_MINUTE=100, SIGN_SITE_PER_MINUTE=100)
    codes = [post_sign(anon, statement, email=f"bot{n}@example.org", ip="198.51.100.66"
                       ).status_code for n in range(200)]
    assert codes.count(303) == SIGN_NETWORK_STATEMENT_LIMIT.count
    assert post_sign(anon, statement, email="person@example.org",
                     ip="198.51.100.7").status_code == 303


# --- surge mode ---------------------------------------------------------------------------

def _moderator(email: str) -> User:
    user = User.objects.create_user("watch", email=email, password="not-used", is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATOR))
    return user


def _pow() -> str:
    return solution(proof_of_work.new_challenge())


def test_surge_mode_switches_on_holds_new_sign_ons_and_an_editor_switches_it_off(
        settings, anon, statement, mailbox, tasks, editor_client):
    limits(settings, SIGN_SURGE_PER_MINUTE=3, POW_MAX_NUMBER=2000)
    _moderator("watch@example.org")
    assert "altcha" not in fresh_page(anon, statement)
    for n in range(4):  # the fourth in a minute is past the threshold
        assert post_sign(anon, statement, email=f"s{n}@example.org",
                         ip=f"192.0.2.{n + 1}").status_code == 303
    statement.refresh_from_db()
    assert statement.surge_active()
    assert AuditEntry.objects.filter(action="statement.surge.start").count() == 1
    assert 'name="altcha"' in fresh_page(anon, statement)

    # New sign-ons need proof of work, and wait for review once confirmed.
    refused = post_sign(anon, statement, email="nopow@example.org", ip="192.0.2.50")
    assert refused.status_code == 400 and b"anti-flood check" in refused.content
    assert post_sign(anon, statement, email="paid@example.org", ip="192.0.2.51",
                     altcha=_pow()).status_code == 303
    assert post_sign(anon, statement, email="paid2@example.org", ip="192.0.2.52",
                     altcha=_pow()).status_code == 303
    tasks()
    confirm(anon, mail_links(mailbox, "paid@example.org")["confirm"])
    assert Signature.objects.get(email="paid@example.org").status == Signature.Status.HELD

    # Its moderators are told once, however long the surge goes on.
    mails = mailbox.to("watch@example.org")
    assert len(mails) == 1
    assert "Surge mode is on" in mails[0]["Subject"]
    assert f"?statement={statement.pk}&status=held" in mailbox.text(mails[0])

    # An editor switches it off: no proof of work, nothing held, and it stays off.
    response = editor_client.post("/admin/statements/statement/", {
        "action": "end_surge", "_selected_action": [statement.pk]})
    assert response.status_code == 302
    statement.refresh_from_db()
    assert not statement.surge_active()
    assert AuditEntry.objects.filter(action="statement.surge.end").count() == 1
    assert "altcha" not in fresh_page(anon, statement)
    for n in range(3):
        assert post_sign(anon, statement, email=f"after{n}@example.org",
                         ip=f"192.0.2.{60 + n}").status_code == 303
    tasks()
    confirm(anon, mail_links(mailbox, "after0@example.org")["confirm"])
    assert Signature.objects.get(email="after0@example.org").status == Signature.Status.VISIBLE
    statement.refresh_from_db()
    assert not statement.surge_active()
    assert len(mailbox.to("watch@example.org")) == 1


def test_surge_mode_ends_by_itself(settings, anon, statement, mailbox, tasks, monkeypatch):
    limits(settings, POW_MAX_NUMBER=2000, SIGN_SURGE_MINUTES=60)
    assert statement_actions.do_start_surge(statement.pk, per_minute=5000)
    assert post_sign(anon, statement, email="during@example.org", ip="192.0.2.1",
                     altcha=_pow()).status_code == 303
    assert 'name="altcha"' in fresh_page(anon, statement)

    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(minutes=61))
    # The form needs no proof of work any more…
    assert post_sign(anon, statement, email="after@example.org", ip="192.0.2.2").status_code == 303
    # …and the cached page loses its widget at the scheduler's next run.
    assert 'name="altcha"' in fresh_page(anon, statement)
    assert maintenance.maintain()["surge_pages_refreshed"] == 1
    assert "altcha" not in fresh_page(anon, statement)
    tasks()
    confirm(anon, mail_links(mailbox, "during@example.org")["confirm"])
    confirm(anon, mail_links(mailbox, "after@example.org")["confirm"])
    assert Signature.objects.get(email="during@example.org").status == Signature.Status.HELD
    assert Signature.objects.get(email="after@example.org").status == Signature.Status.VISIBLE


# --- confirmations ------------------------------------------------------------------------

def test_confirmation_posts_are_limited_per_network(anon, signed):
    from signatures.views import CONFIRM_LIMIT

    signature, links = signed("ana@example.org")
    for _ in range(CONFIRM_LIMIT.count):
        assert anon.post("/en/signature/confirm/not-a-token/",
                         REMOTE_ADDR="203.0.113.9").status_code in (404, 410)
    refused = anon.post(links["confirm"], REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 429 and b"Too many confirmations" in refused.content
    signature.refresh_from_db()
    assert signature.status == Signature.Status.UNCONFIRMED
    # Another network confirms.
    assert anon.post(links["confirm"], REMOTE_ADDR="198.51.100.1").status_code == 303
    signature.refresh_from_db()
    assert signature.status == Signature.Status.VISIBLE


def test_a_surge_that_cannot_be_switched_on_does_not_lose_the_sign_on(
        settings, anon, statement, monkeypatch):
    """The sign-on that notices the surge is answered and kept even when switching fails (a
    database busy with the flood itself); the next sign-on tries again."""
    limits(settings, SIGN_SURGE_PER_MINUTE=1)
    attempts = []

    def busy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        attempts.append(1)
        raise RuntimeError("database is locked")

    monkeypatch.setattr(statement_actions, "do_start_surge", busy)
    for n in range(3):
        assert post_sign(anon, statement, email=f"busy{n}@example.org",
                         ip=f"192.0.2.{n + 1}").status_code == 303
    assert len(attempts) == 2  # the second and third sign-ons were past the threshold
    assert (Signature.objects.filter(email__startswith="busy").count()
            + SignOn.objects.filter(email__startswith="busy").count()) == 3
