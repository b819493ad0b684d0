"""Update mails, sent by the task worker in batches (docs/updates.md).

``do_send_update`` writes one ``UpdateMail`` row per recipient and one task row per ``BATCH`` of
them, naming a range of row ids. A task reads its rows joined with their signatures in one
query, renders the update once per language, and sends each mail over the worker's kept SMTP
connection; the rows of the mails the server took are deleted as it goes. A mail whose signer
withdrew, was erased or took their consent back since the send is not sent, and its row goes.

Delivery is at least once: when the mail server goes away mid-batch, the task fails with the
server's error and the scheduler's retry rule (core.taskqueue.recover_tasks) runs it again; the
rows of the mails already taken are gone, so only the rest are sent. A worker killed between
the server's "250" and the row's deletion sends that one mail again: never a whole batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.tasks import TaskContext, task
from django.urls import reverse
from django.utils import translation

from core import cpu
from core.mail import absolute, compose_mail, deliver, server_unavailable
from core.taskqueue import retryable
from signatures.models import Signature, SignOn
from updates import tokens
from updates.models import Update, UpdateMail

logger = logging.getLogger(__name__)

# Mails per task row: big enough that the per-task costs (claiming the row, one query, the
# rendering per language) vanish, small enough that several workers share a big send and a
# retry after an outage resends little.
BATCH = 500
# The rows of sent mails are deleted this many at a time (one statement each).
DELETE_CHUNK = 100

ELIGIBLE = (Signature.Status.VISIBLE, Signature.Status.HELD)


@dataclass(frozen=True)
class Recipient:
    row_id: int
    signature: Signature


class MailsFailed(Exception):
    """Some mails of a batch were refused one by one (each is logged); the task is marked
    failed and tried again for those."""


def _signers_waiting() -> bool:
    """Every core busy and sign-ons arriving faster than they are applied: news can wait."""
    return cpu.all_cores_busy() and SignOn.objects.exists()


def unsubscribe_url(signature_id: int, token_salt: str, language: str) -> str:
    with translation.override(language):
        return absolute(reverse("updates:unsubscribe",
                                args=[tokens.make_token(signature_id, token_salt)]))


def update_url(update: Update, language: str) -> str:
    with translation.override(language):
        return absolute(update.statement.get_absolute_url()) + f"#{update.anchor}"


def mail_language(update: Update, language: str) -> str:
    """The signer's language when the update has a version in it, else the canonical one's
    (the mail's own words, too, are then in the language of its text)."""
    return update.version_for(language).language


def compose_update_mail(update: Update, signature: Signature) -> tuple[str, str, dict[str, str]]:
    """Subject, body and headers of the update mail to one signer, in their language."""
    language = mail_language(update, signature.language or update.language)
    version = update.version_for(language)
    statement = update.statement
    title = statement.version_for(language).title
    unsubscribe = unsubscribe_url(signature.pk, signature.token_salt, language)
    context = {"update": version, "statement_title": title, "update_url":
               update_url(update, language), "unsubscribe_url": unsubscribe}
    subject, body = compose_mail(signature.email, "updates/mail/update.txt", context,
                                 language=language, record=signature)
    headers = {
        # RFC 8058: a mail client may offer one button that POSTs to this address.
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"<updates.{statement.pk}.{_host()}>",
        "Auto-Submitted": "auto-generated",
        "Precedence": "bulk",
    }
    return subject, body, headers


def _host() -> str:
    return urlsplit(settings.BASE_URL).hostname or "localhost"


def _recipients(update_id: int, first_id: int, last_id: int) -> tuple[list[Recipient], list[int]]:
    """The batch's rows still waiting: those to mail, and those whose signer no longer wants
    the mail (withdrawn, erased, unsubscribed since the send)."""
    rows = (UpdateMail.objects.filter(update_id=update_id, id__gte=first_id, id__lte=last_id)
            .order_by("id")
            .values_list("id", "signature_id", "signature__email", "signature__language",
                         "signature__token_salt", "signature__status", "signature__wants_news",
                         "signature__statement_id"))
    send, drop = [], []
    for row_id, signature_id, email, language, salt, status, wants_news, statement_id in rows:
        if email and wants_news and status in ELIGIBLE:
            send.append(Recipient(row_id, Signature(pk=signature_id, email=email,
                                                    language=language, token_salt=salt,
                                                    status=status, statement_id=statement_id)))
        else:
            drop.append(row_id)
    return send, drop


def _forget(row_ids: list[int]) -> None:
    if row_ids:
        UpdateMail.objects.filter(id__in=row_ids).delete()


@task(queue_name="mail", takes_context=True)
def send_update_mails(context: TaskContext, update_id: int, first_id: int, last_id: int
                      ) -> None:
    """Send the update's mails whose rows lie in ``first_id``..``last_id``."""
    cpu.wait_while(_signers_waiting)  # a surge of sign-ons first; these mails are queued
    update = (Update.objects.select_related("statement").prefetch_related(
        "translations", "statement__translations").filter(pk=update_id).first())
    if update is None:  # deleted since: its rows went with it
        return
    send, drop = _recipients(update_id, first_id, last_id)
    _forget(drop)
    sent: list[int] = []
    errors: list[Exception] = []
    try:
        for recipient in send:
            subject, body, headers = compose_update_mail(update, recipient.signature)
            try:
                deliver(recipient.signature.email, subject, body, headers)
            except Exception as error:
                if server_unavailable(error) and retryable(error):
                    raise  # the rest of the batch waits for the retry
                logger.exception("update mail %s to signature %s failed", update_id,
                                 recipient.signature.pk)
                errors.append(error)
                continue
            sent.append(recipient.row_id)
            if len(sent) >= DELETE_CHUNK:
                _forget(sent)
                sent = []
    finally:
        _forget(sent)
    if errors:
        # A retryable error if there is one, so that a refusal for now is tried again.
        raise next((error for error in errors if retryable(error)), None) or MailsFailed(
            f"{len(errors)} of {len(send)} update mails failed")

