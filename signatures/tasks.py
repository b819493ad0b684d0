"""Mails to signers, rendered by the task worker.

The signing path only writes the signature and a task row naming it; the worker renders the mail
from the signature as it is when the mail leaves. A signature withdrawn, erased or expired
meanwhile gets no mail, and the task table never holds a signer's address or the links mailed to
them (a resend request carries the address sealed, blanked once the worker has looked it up:
core.sealed). The limits on mails to one signature live here too: a victim's address typed into
the form by someone else gets a bounded number of them.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.tasks import TaskContext, task
from django.utils import timezone

from core import cpu
from core.mail import compose_mail, deliver, server_unavailable
from core.sealed import BadSeal, forget_task_arguments, unseal
from core.taskqueue import retry_only, retryable
from signatures.mailing import mail_context
from signatures.models import Signature, SignOn
from statements import lookup
from statements.models import Statement

logger = logging.getLogger(__name__)


def _signers_waiting() -> bool:
    """Every core is busy and sign-ons are arriving faster than they are applied: then a mail
    can wait and a signer cannot (core/cpu.py; the figures: docs/benchmarks.md)."""
    return cpu.all_cores_busy() and SignOn.objects.exists()


def _send(signature_id: int, template: str, language: str | None, again: bool) -> None:
    cpu.wait_while(_signers_waiting)  # a surge of sign-ons first; this mail is queued anyway
    signature = Signature.objects.filter(pk=signature_id).first()
    if signature is None or not signature.email:
        return
    try:  # the worker's kept copy: a burst of sign-ons is a burst of mails about one statement
        signature.statement = lookup.public_statement(pk=signature.statement_id)
    except Http404:  # no longer public (back to draft): its own row
        signature.statement = Statement.objects.get(pk=signature.statement_id)
    if template == "confirm" and signature.status != Signature.Status.UNCONFIRMED:
        return  # confirmed (or withdrawn) since: the link would only say so
    language = language or signature.language
    context = mail_context(signature, template, language, again=again)
    subject, body = compose_mail(signature.email, f"signatures/mail/{template}.txt", context,
                                 language=language, record=signature)
    deliver(signature.email, subject, body, headers={"Auto-Submitted": "auto-generated"})


@task(queue_name="mail")
def mail_signer(signature_id: int, template: str, language: str, again: bool = False) -> None:
    _send(signature_id, template, language, again)


# A victim's address typed into the form by someone else: at most this many mails per
# signature, and never two within the interval.
MAX_MAILS_PER_SIGNATURE = 5
MIN_MAIL_INTERVAL = timedelta(minutes=5)



def queue_signer_mail(signature: Signature, template: str, language: str, *, again: bool = False) -> None:
    """Queue a mail to the signer: a task row in the caller's transaction, rendered later."""
    mail_signer.enqueue(signature_id=signature.pk, template=template, language=language,
                        again=again)


def _may_mail(signature: Signature, now: Any) -> bool:
    if not signature.email or signature.mails_sent >= MAX_MAILS_PER_SIGNATURE:
        return False
    return signature.last_mailed_at is None or now - signature.last_mailed_at >= MIN_MAIL_INTERVAL


def mail_again(signature: Signature, language: str) -> bool:
    """Mail an existing signer: the confirmation again while pending, else the manage link."""
    now = timezone.now()
    if not _may_mail(signature, now):
        return False
    template = "confirm" if signature.status == Signature.Status.UNCONFIRMED else "already_signed"
    queue_signer_mail(signature, template, language, again=True)
    Signature.objects.filter(pk=signature.pk).update(mails_sent=F("mails_sent") + 1,
                                                     last_mailed_at=now)
    return True


def mail_pending_again(statement_id: int, email: str, language: str) -> bool:
    """The worker's half of a resend: the confirmation again if this address has a pending
    signature on the statement and the mail limits allow it. Locked so that two resends
    running at once cannot both pass the interval check."""
    with transaction.atomic():
        pending = (Signature.objects.unconfirmed().select_for_update()
                   .filter(statement_id=statement_id, email=email).first())
        return pending is not None and mail_again(pending, language)


RESEND = "signatures.resend"  # the purpose the resend form seals addresses for


@task(queue_name="mail", takes_context=True)
def resend_confirmation(context: TaskContext, statement_id: int, sealed: str, language: str
                        ) -> None:
    """Every resend request, for a pending address or an unknown one, is this one task row: the
    lookup happens here, where its duration tells nobody anything."""
    try:
        email = unseal(sealed, RESEND)
    except BadSeal:  # blanked already (a re-run) or the secret key changed: nothing to send
        return
    with transaction.atomic():
        mail_pending_again(statement_id, email, language)
        forget_task_arguments(context, "sealed")


class MailsFailed(Exception):
    """Some mails of a batch could not be sent (each is logged); the task is marked failed."""


@task(queue_name="mail", takes_context=True)
def mail_confirmations(context: TaskContext, signature_ids: list[int]) -> None:
    """The confirmation mails of a batch of new signatures, each in its signer's language.

    Batched for the delivery rate (docs/benchmarks.md). Delivery stays at least once, and a
    mail the server took is not sent again: when the mail server is unavailable the batch
    stops, records in its own row the mails not sent yet and fails with the server's error,
    which the scheduler's retry rule knows (core.taskqueue.recover_tasks), so the retry
    sends only those. A mail refused on its own does not stop the others; it is recorded
    and retried the same way."""
    failed: list[int] = []
    errors: list[Exception] = []
    for position, signature_id in enumerate(signature_ids):
        try:
            _send(signature_id, "confirm", None, False)
        except Exception as error:
            if server_unavailable(error) and retryable(error):
                retry_only(context, signature_ids=failed + signature_ids[position:])
                raise
            logger.exception("confirmation mail for signature %s failed", signature_id)
            failed.append(signature_id)
            errors.append(error)
    if failed:
        retry_only(context, signature_ids=failed)
        # A retryable error if there is one, so that a refusal for now is tried again.
        raise next((error for error in errors if retryable(error)), None) or MailsFailed(
            f"{len(failed)} of {len(signature_ids)} confirmation mails failed")
