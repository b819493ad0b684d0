"""Sending an update: only to confirmed signers who asked for news, each in their language,
through the durable queue, with RFC 8058 one-click unsubscribe headers and the data-rights
link; once per update; audited; nothing for a signer who withdrew, was erased or unsubscribed
before the worker got to them; at least once (never twice) through a mail server outage."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import serializers
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import periodic
from core import taskqueue as maintenance
from core.models import AuditEntry
from privacy.actions import forget_address
from signatures import actions as signature_actions
from signatures.models import Signature
from tests.updates.conftest import UNSUBSCRIBE, make_signer, make_update, subject
from updates import actions
from updates import tasks as update_tasks
from updates.models import Update, UpdateMail

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction

SPANISH = ("Entregamos la carta", "La ministra la **recibió** el lunes.")


def mails_per_address(mailbox) -> Counter:  # noqa: ANN001
    return Counter(address for message in mailbox.messages
                   for address in message["X-Envelope-To"].split(", "))


@pytest.fixture
def crowd(statement):
    """Signers in every state, with and without consent, in three languages."""
    make_signer(statement, "visible@example.org")
    make_signer(statement, "held@example.org", status="held", kind="organisation",
                organisation_name="Union")
    make_signer(statement, "hidden@example.org", show_name=False)
    make_signer(statement, "lector@example.org", language="es")
    make_signer(statement, "lecteur@example.org", language="fr")  # no French version
    make_signer(statement, "no-news@example.org", wants_news=False)
    make_signer(statement, "unconfirmed@example.org", status="unconfirmed")
    make_signer(statement, "rejected@example.org", status="rejected")
    make_signer(statement, "withdrawn@example.org", status="withdrawn")
    signature_actions.reconcile_counts([statement])
    return statement


RECIPIENTS = {"visible@example.org", "held@example.org", "hidden@example.org",
              "lector@example.org", "lecteur@example.org"}


def test_only_consenting_confirmed_signers_get_the_update_each_in_their_language(
        crowd, mailbox, tasks):
    update = make_update(crowd, translations={"es": SPANISH})
    assert actions.do_send_update(update, actor="editor") == len(RECIPIENTS)
    tasks()
    assert mails_per_address(mailbox) == Counter(RECIPIENTS)  # each once, nobody else
    [english] = mailbox.to("visible@example.org")
    assert subject(english) == "We delivered the letter · Water is life"
    text = mailbox.text(english)
    assert "The minister **received** it on Monday." in text
    assert "News about “Water is life”, which you signed:" in text
    assert f"{settings.BASE_URL}/en/s/water-is-life/#update-{update.pk}" in text
    [spanish] = mailbox.to("lector@example.org")
    assert subject(spanish).startswith("Entregamos la carta")
    spanish_text = mailbox.text(spanish)
    assert "La ministra la **recibió** el lunes." in spanish_text
    assert "Noticias sobre" in spanish_text
    assert f"/es/s/water-is-life/#update-{update.pk}" in spanish_text
    # A language the update was not written in: the canonical text, and its language's words.
    [french] = mailbox.to("lecteur@example.org")
    assert subject(french) == "We delivered the letter · Water is life"
    assert "/en/news/unsubscribe/" in mailbox.text(french)


def test_every_update_mail_carries_one_click_unsubscribe_and_the_data_rights_link(
        crowd, mailbox, tasks):
    actions.do_send_update(make_update(crowd), actor="editor")
    tasks()
    assert mailbox.messages
    for message in mailbox.messages:
        text = mailbox.text(message)
        [in_body] = UNSUBSCRIBE.findall(text)
        header = message["List-Unsubscribe"]
        assert header == f"<{in_body}>"  # one URL, in angle brackets, unfolded
        assert header.startswith(f"<{settings.BASE_URL}/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Auto-Submitted"] == "auto-generated"
        assert "/privacy/your-data/" in text  # core.mail.add_footer's link
    # Each signer's link is their own.
    assert len({message["List-Unsubscribe"] for message in mailbox.messages}) == len(RECIPIENTS)


def test_an_update_is_sent_once_however_often_send_is_pressed(crowd, mailbox, tasks):
    update = make_update(crowd)
    actions.do_send_update(update, actor="editor")
    rows = DBTaskResult.objects.count()
    with pytest.raises(actions.AlreadySent):
        actions.do_send_update(update, actor="editor")
    with pytest.raises(actions.AlreadySent):
        actions.do_send_update(Update.objects.get(pk=update.pk), actor="another editor")
    assert DBTaskResult.objects.count() == rows
    tasks()
    assert mails_per_address(mailbox) == Counter(RECIPIENTS)
    update.refresh_from_db()
    assert update.sent_at is not None and update.recipients == len(RECIPIENTS)


def test_a_draft_update_is_not_sent(crowd, mailbox, tasks):
    update = make_update(crowd, published=False)
    with pytest.raises(actions.NotPublished):
        actions.do_send_update(update, actor="editor")
    tasks()
    assert mailbox.messages == []
    assert UpdateMail.objects.count() == 0
    update.refresh_from_db()
    assert update.sent_at is None


def test_publishing_and_sending_are_audited(crowd, mailbox, tasks):
    update = make_update(crowd, published=False)
    actions.do_publish_update(update, actor="edna")
    actions.do_publish_update(update, actor="edna")  # again: nothing new
    actions.do_send_update(update, actor="edna")
    entries = list(AuditEntry.objects.filter(target_type="updates.update")
                   .order_by("id").values_list("action", "actor_name", "target_id", "detail"))
    assert entries == [
        ("update.publish", "edna", str(update.pk), {"statement": crowd.pk}),
        ("update.send", "edna", str(update.pk),
         {"statement": crowd.pk, "recipients": len(RECIPIENTS)}),
    ]


def test_the_queue_holds_no_address_and_mails_leave_in_batches(crowd, mailbox, tasks,
                                                               monkeypatch):
    monkeypatch.setattr(update_tasks, "BATCH", 2)
    monkeypatch.setattr(actions, "BATCH", 2)
    actions.do_send_update(make_update(crowd), actor="editor")
    assert UpdateMail.objects.count() == len(RECIPIENTS)
    assert DBTaskResult.objects.filter(task_path="updates.tasks.send_update_mails").count() == 3
    queued = (serializers.serialize("json", DBTaskResult.objects.all())
              + serializers.serialize("json", UpdateMail.objects.all())).lower()
    for address in RECIPIENTS:
        assert address.split("@")[0] not in queued
    assert "example.org" not in queued and "unsubscribe" not in queued
    tasks()
    assert mails_per_address(mailbox) == Counter(RECIPIENTS)
    assert UpdateMail.objects.count() == 0  # a sent mail's row is gone


def test_a_signer_who_withdraws_before_the_worker_runs_gets_nothing(crowd, mailbox, tasks):
    actions.do_send_update(make_update(crowd), actor="editor")
    signature_actions.do_withdraw(Signature.objects.get(email="visible@example.org"))
    assert UpdateMail.objects.count() == len(RECIPIENTS) - 1  # their mail is removed at once
    tasks()
    assert mails_per_address(mailbox) == Counter(RECIPIENTS - {"visible@example.org"})


def test_an_erased_signer_gets_nothing_and_their_waiting_mail_is_removed(crowd, mailbox, tasks):
    actions.do_send_update(make_update(crowd), actor="editor")
    erased = forget_address("hidden@example.org")
    assert erased["update_mails"] >= 1
    assert UpdateMail.objects.count() == len(RECIPIENTS) - 1
    forget_address("Visible@Example.org")  # a named visible signature keeps its name only
    assert UpdateMail.objects.count() == len(RECIPIENTS) - 2
    tasks()
    assert mails_per_address(mailbox) == Counter(
        RECIPIENTS - {"hidden@example.org", "visible@example.org"})


def test_consent_taken_back_before_the_worker_runs_is_honoured(crowd, mailbox, tasks):
    actions.do_send_update(make_update(crowd), actor="editor")
    # Even a change that no signal announces (a bulk update) is read when the mail leaves.
    Signature.objects.filter(email="held@example.org").update(wants_news=False)
    tasks()
    assert mails_per_address(mailbox) == Counter(RECIPIENTS - {"held@example.org"})
    assert UpdateMail.objects.count() == 0  # the row of the mail not sent is gone too


def test_mails_taken_before_the_server_went_away_are_not_sent_again(crowd, mailbox, tasks):
    actions.do_send_update(make_update(crowd), actor="editor")
    mailbox.accept = 2  # the server goes away in the middle of the batch
    tasks()
    assert len(mailbox.messages) == 2
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"FAILED"}
    mailbox.accept = None  # back
    later = timezone.now()
    for _attempt in range(maintenance.MAX_ATTEMPTS):
        later += timedelta(hours=6)
        if not maintenance.recover_tasks(later):
            break
        tasks()
    assert mails_per_address(mailbox) == Counter(RECIPIENTS)  # every one, exactly once
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_an_address_refused_for_now_gets_its_mail_on_the_retry_alone(crowd, mailbox, tasks):
    mailbox.busy = {"lector@example.org"}
    actions.do_send_update(make_update(crowd), actor="editor")
    tasks()
    assert mails_per_address(mailbox) == Counter(RECIPIENTS - {"lector@example.org"})
    mailbox.busy = set()
    assert maintenance.recover_tasks(timezone.now() + timedelta(hours=6)) == 1
    tasks()
    assert mails_per_address(mailbox) == Counter(RECIPIENTS)


def test_the_maintenance_step_removes_rows_nobody_will_get(crowd, mailbox):
    actions.do_send_update(make_update(crowd), actor="editor")
    [(name, steps)] = [(n, s) for n, s in periodic.steps() if n == "update_mails_removed"]
    Signature.objects.filter(email="lector@example.org").update(wants_news=False)
    assert sum(step(timezone.now()) for step in steps) == 1
    assert UpdateMail.objects.count() == len(RECIPIENTS) - 1
    # A week later (the mail server was down all along), news is no longer news.
    assert sum(step(timezone.now() + timedelta(days=8)) for step in steps) == len(RECIPIENTS) - 1
    assert UpdateMail.objects.count() == 0


def test_a_second_statements_signers_are_not_mailed(crowd, mailbox, tasks):
    from tests.conftest import make_statement

    other = make_statement("other", title="Other")
    make_signer(other, "elsewhere@example.org")
    actions.do_send_update(make_update(crowd), actor="editor")
    tasks()
    assert "elsewhere@example.org" not in mails_per_address(mailbox)
