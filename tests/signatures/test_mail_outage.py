"""Confirmation mails are delivered at least once, and only once where the mail server said so:
a batch of confirmation mails that meets an outage of the SMTP server is tried again once the
server is back (the scheduler's retry rule, core.taskqueue.recover_tasks), and only the mails
that did not go out are sent then."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import taskqueue as maintenance
from signatures import intake
from signatures.models import Signature
from tests.signatures.conftest import post_sign

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction

SIGNERS = [f"signer{n}@example.org" for n in range(40)]


@pytest.fixture
def burst(anon, statement, monkeypatch):
    """A burst of sign-ons applied as the intake does in a surge: several mails per task."""
    monkeypatch.setattr(intake, "APPLY_INTERVAL", 3600)
    monkeypatch.setattr(intake, "_last_applied", float("inf"))
    monkeypatch.setattr(intake, "MAIL_CHUNK", 8)

    def run() -> None:
        for n, address in enumerate(SIGNERS):
            response = post_sign(anon, statement, email=address, name=f"Signer {n}",
                                 ip=f"198.51.100.{n + 1}")
            assert response.status_code == 303
        assert intake.apply_pending() == len(SIGNERS)
        assert DBTaskResult.objects.count() == 5  # 40 mails, 8 per task

    return run


def retry_until_done(tasks) -> None:  # noqa: ANN001
    """What the scheduler and the worker do over the next minutes: requeue the mails that failed
    on a network or SMTP error (each time after the rule's pause), then run them."""
    later = timezone.now()
    for _attempt in range(maintenance.MAX_ATTEMPTS):
        later += timedelta(hours=6)  # past the longest pause between two attempts
        if not maintenance.recover_tasks(later):
            break
        tasks()


def mails_per_signer(mailbox) -> Counter:  # noqa: ANN001
    return Counter(address for message in mailbox.messages
                   for address in message["X-Envelope-To"].split(", "))


def test_a_burst_during_an_smtp_outage_is_mailed_once_the_server_is_back(burst, mailbox,
                                                                          tasks):
    mailbox.stop()  # the mail server is down while people sign
    burst()
    tasks()  # the worker meets the outage
    assert mailbox.messages == []
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"FAILED"}
    assert Signature.objects.filter(status=Signature.Status.UNCONFIRMED).count() == len(SIGNERS)

    mailbox.start()  # back, on the same port
    retry_until_done(tasks)
    assert mails_per_signer(mailbox) == Counter(SIGNERS)  # every signer, exactly once
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_mails_sent_before_the_server_went_away_are_not_sent_again(burst, mailbox, tasks):
    burst()
    mailbox.accept = 5  # the server goes away in the middle of the first batch of 8
    tasks()
    assert len(mailbox.messages) == 5
    sent_first = set(mails_per_signer(mailbox))

    mailbox.accept = None  # back
    retry_until_done(tasks)
    assert mails_per_signer(mailbox) == Counter(SIGNERS)
    assert sent_first <= set(SIGNERS)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_an_address_refused_for_now_does_not_hold_up_the_others_and_gets_its_mail_later(
        burst, mailbox, tasks):
    mailbox.busy = {"signer2@example.org"}
    burst()
    tasks()
    assert mails_per_signer(mailbox) == Counter(a for a in SIGNERS if a != "signer2@example.org")

    mailbox.busy = set()
    retry_until_done(tasks)
    assert mails_per_signer(mailbox) == Counter(SIGNERS)  # the others were not sent again
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
