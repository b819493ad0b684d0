"""The signer's mail is written by the task worker when it leaves, not by the sign-on request:
the queue holds no address, name or link; a signer who withdrew (or whose sign-on expired) before
the worker ran gets nothing; a signer who confirmed meanwhile is not asked to confirm again; and
the mail shows the statement as it is when the mail leaves, in the signer's language."""

from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header
from email.message import Message

import pytest
from django.core import serializers
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from signatures import actions
from signatures.models import Signature
from signatures.tasks import MIN_MAIL_INTERVAL
from statements.models import Statement, Translation
from tests.signatures.conftest import mail_links, post_sign

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction

SIGNER = {"email": "Rosa.Parks@Example.ORG", "name": "Rosa Montgomery-Parks",
          "country": "Tuvalu", "comment": "Never give up the seat."}


def subject(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def task_rows() -> str:
    """Every stored task row, every column, as text."""
    return serializers.serialize("json", DBTaskResult.objects.all())


def assert_no_signer_data(text: str) -> None:
    lowered = text.lower()
    for value in (*SIGNER.values(), "rosa.parks", "example.org", "Montgomery", "/signature/"):
        assert value.lower() not in lowered, value


def test_the_mail_task_row_holds_no_address_name_or_link(anon, statement, mailbox, tasks):
    assert post_sign(anon, statement, **SIGNER).status_code == 303
    signature = Signature.objects.get()
    [row] = DBTaskResult.objects.all()
    assert row.task_path == "signatures.tasks.mail_confirmations"
    assert row.args_kwargs["kwargs"] == {"signature_ids": [signature.pk]}
    assert_no_signer_data(task_rows())
    # The same address signing again: the mail about it is queued the same way.
    Signature.objects.update(last_mailed_at=timezone.now() - MIN_MAIL_INTERVAL)
    assert post_sign(anon, statement, **SIGNER).status_code == 303
    assert DBTaskResult.objects.count() == 2
    assert_no_signer_data(task_rows())
    tasks()
    assert len(mailbox.to("rosa.parks@example.org")) == 2
    assert_no_signer_data(task_rows())  # nor once the worker has sent the mails


@pytest.mark.parametrize("meanwhile", ["withdrawn", "expired"])
def test_a_signer_gone_before_the_worker_runs_gets_no_mail(anon, statement, mailbox, tasks,
                                                            meanwhile):
    assert post_sign(anon, statement, email="gone@example.org").status_code == 303
    signature = Signature.objects.get()
    if meanwhile == "withdrawn":
        actions.do_withdraw(signature)
    else:
        Signature.objects.update(created_at=timezone.now() - timedelta(days=30))
        assert actions.expire_unconfirmed() == 1
    tasks()
    assert mailbox.messages == []
    # The task ended normally: nothing left to retry, nothing failed.
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL"]


def test_a_signer_who_withdraws_is_not_told_they_already_signed(anon, statement, mailbox,
                                                                 tasks):
    assert post_sign(anon, statement, email="ana@example.org").status_code == 303
    tasks()
    assert anon.post(mail_links(mailbox, "ana@example.org")["confirm"]).status_code == 303
    Signature.objects.update(last_mailed_at=timezone.now() - MIN_MAIL_INTERVAL)
    assert post_sign(anon, statement, email="ana@example.org").status_code == 303  # "already"
    actions.do_withdraw(Signature.objects.get())
    tasks()
    assert len(mailbox.to("ana@example.org")) == 1  # the first confirmation mail only
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_a_signature_confirmed_before_the_worker_runs_gets_no_confirmation_mail(
        anon, statement, mailbox, tasks):
    assert post_sign(anon, statement, email="quick@example.org").status_code == 303
    actions.do_confirm(Signature.objects.get())
    tasks()
    assert mailbox.messages == []
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL"]


def test_a_resent_confirmation_is_dropped_once_the_first_link_was_used(
        anon, statement, mailbox, tasks):
    assert post_sign(anon, statement, email="ana@example.org").status_code == 303
    tasks()
    first = mail_links(mailbox, "ana@example.org")
    Signature.objects.update(last_mailed_at=timezone.now() - timedelta(hours=1))
    anon.post("/en/sign/water-is-life/resend/", {"email": "ana@example.org"})
    assert anon.post(first["confirm"]).status_code == 303  # before the worker sends the resend
    tasks()
    assert len(mailbox.to("ana@example.org")) == 1
    assert Signature.objects.get().status == Signature.Status.VISIBLE


def test_the_mail_shows_the_statement_as_it_is_when_the_mail_leaves(anon, statement, mailbox,
                                                                    tasks):
    assert post_sign(anon, statement, email="ana@example.org").status_code == 303
    editor_copy = Statement.objects.get(pk=statement.pk)
    editor_copy.title = "Water is a right"  # the editors fix the title before the worker runs
    editor_copy.save()
    tasks()
    [message] = mailbox.to("ana@example.org")
    assert subject(message).endswith("Water is a right")
    assert "“Water is a right”" in mailbox.text(message)


def test_each_mail_is_written_in_its_signers_language_and_its_link_confirms(
        anon, statement, mailbox, tasks):
    Translation.objects.create(statement=statement, language="es", title="El agua es vida",
                               body="Estamos juntos.")
    assert post_sign(anon, statement, language="es", email="eva@example.org",
                     name="Eva Ruiz").status_code == 303
    assert post_sign(anon, statement, language="en", email="ann@example.org",
                     name="Ann Lee").status_code == 303
    tasks()  # one worker run writes both mails
    [spanish] = mailbox.to("eva@example.org")
    [english] = mailbox.to("ann@example.org")
    assert subject(spanish) == "Confirme su firma: El agua es vida"
    assert "Gracias por firmar «El agua es vida»." in mailbox.text(spanish)
    assert "Para confirmar su firma" in mailbox.text(spanish)
    assert subject(english) == "Please confirm your signature: Water is life"
    assert "Para confirmar" not in mailbox.text(english)
    links = mail_links(mailbox, "eva@example.org")
    assert links["confirm"].startswith("/es/") and links["manage"].startswith("/es/")
    page = anon.get(links["confirm"])
    assert page.status_code == 200
    assert "Confirmar mi firma" in page.content.decode()
    assert Signature.objects.get(email="eva@example.org").status == Signature.Status.UNCONFIRMED
    assert anon.post(links["confirm"]).status_code == 303
    assert Signature.objects.get(email="eva@example.org").status == Signature.Status.VISIBLE
    assert "Eva Ruiz" in anon.get("/es/s/water-is-life/").content.decode()
