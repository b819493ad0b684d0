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
from binascii import b2a_qp
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.tasks import TaskContext, task
from django.urls import reverse
from django.utils import translation

from core import cpu
from core.mail import (
    absolute,
    deliver,
    deliver_prepared,
    footers,
    render_mail,
    sender,
    server_unavailable,
)
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


# Stands for the signer's own unsubscribe link in a mail rendered once for all signers of a
# language; it cannot occur in a rendered template (control characters are not text there).
_LINK = "\x00unsubscribe\x00"


@dataclass(frozen=True)
class PreparedMail:
    """The update's mail in one language, rendered once; each signer's differs only by the
    address, their unsubscribe link and the data-rights footer."""

    language: str
    subject: str
    body: str  # with _LINK where the signer's unsubscribe link goes
    list_id: str

    def for_signer(self, signature: Signature) -> tuple[str, dict[str, str]]:
        """Body and headers of the mail to ``signature``."""
        unsubscribe = unsubscribe_url(signature.pk, signature.token_salt, self.language)
        body = self.body.replace(_LINK, unsubscribe) + footers(
            signature.email, self.language, record=signature)
        headers = {
            # RFC 8058: a mail client may offer one button that POSTs to this address.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": self.list_id,
            "Auto-Submitted": "auto-generated",
            "Precedence": "bulk",
        }
        return body, headers


def prepare_mail(update: Update, language: str) -> PreparedMail:
    """Render the update's mail for the signers of ``language`` (see ``mail_language``)."""
    version = update.version_for(language)
    statement = update.statement
    context = {"update": version, "statement_title": statement.version_for(language).title,
               "update_url": update_url(update, language), "unsubscribe_url": _LINK}
    subject, body = render_mail("updates/mail/update.txt", context, language)
    return PreparedMail(language=language, subject=subject, body=body,
                        list_id=f"<updates.{statement.pk}.{_host()}>")


def _encoded(name: str, value: str) -> str:
    if value.isascii() and "\n" not in value:
        return f"{name}: {value}"
    return f"{name}: {Header(value, 'utf-8', header_name=name).encode()}"


class MessageWriter:
    """Writes each mail's bytes directly: one plain-text, quoted-printable UTF-8 part, as
    Django's message is, at a fraction of the cost of building it with the ``email`` package
    for every recipient (docs/updates.md; the figures: docs/benchmarks.md)."""

    def __init__(self) -> None:
        name, address = parseaddr(sender())
        self.sender = formataddr((name, address), charset="utf-8")
        self.domain = _host()
        self.subjects: dict[str, str] = {}

    def write(self, prepared: PreparedMail, to: str, body: str, headers: dict[str, str]
              ) -> bytes:
        subject = self.subjects.get(prepared.language)
        if subject is None:
            subject = self.subjects[prepared.language] = _encoded("Subject", prepared.subject)
        lines = [subject, f"From: {self.sender}", f"To: {to}",
                 f"Date: {formatdate(localtime=False)}",
                 f"Message-ID: {make_msgid(domain=self.domain)}",
                 *(_encoded(name, value) for name, value in headers.items()),
                 "MIME-Version: 1.0", 'Content-Type: text/plain; charset="utf-8"',
                 "Content-Transfer-Encoding: quoted-printable"]
        head = "\r\n".join(lines).encode("ascii")
        return head + b"\r\n\r\n" + b2a_qp(body.encode("utf-8"), istext=True)


def _send_one(writer: MessageWriter, prepared: PreparedMail, signature: Signature) -> None:
    body, headers = prepared.for_signer(signature)
    message = writer.write(prepared, signature.email, body, headers)
    if not deliver_prepared(signature.email, message):
        deliver(signature.email, prepared.subject, body, headers)


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
    writer = MessageWriter()
    prepared: dict[str, PreparedMail] = {}
    try:
        for recipient in send:
            language = mail_language(update, recipient.signature.language or update.language)
            if language not in prepared:
                prepared[language] = prepare_mail(update, language)
            try:
                _send_one(writer, prepared[language], recipient.signature)
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

