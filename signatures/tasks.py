"""Mails to signers, rendered by the task worker.

The signing path only writes the signature and a task row naming it; the worker renders the mail
from the signature as it is when the mail leaves. A signature withdrawn, erased or expired
meanwhile gets no mail, and the task table never holds a signer's address or the links mailed to
them.
"""

from __future__ import annotations

import logging

from django.http import Http404
from django.tasks import task

from core import cpu
from core.mail import compose_mail, deliver
from signatures.models import Signature, SignOn
from statements import lookup
from statements.models import Statement

logger = logging.getLogger(__name__)


def _signers_waiting() -> bool:
    """Every core is busy and sign-ons are arriving faster than they are applied: measured on
    the sign-on benchmark (two cores, four pairs of 8 s loads), 869–1,001 sign-ons/s (mean 944)
    while the mail workers took their share, 967–1,169/s (mean 1,067) when they gave way."""
    return cpu.all_cores_busy() and SignOn.objects.exists()


def _send(signature_id: int, template: str, language: str | None, again: bool) -> None:
    from signatures.actions import mail_context

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


class MailsFailed(Exception):
    """Some mails of a batch could not be sent (each is logged); the task is marked failed."""


@task(queue_name="mail")
def mail_confirmations(signature_ids: list[int]) -> None:
    """The confirmation mails of a batch of new signatures, each in its signer's language.

    One failed mail does not stop the others."""
    failed = 0
    for signature_id in signature_ids:
        try:
            _send(signature_id, "confirm", None, False)
        except Exception:
            failed += 1
            logger.exception("confirmation mail for signature %s failed", signature_id)
    if failed:
        raise MailsFailed(f"{failed} of {len(signature_ids)} confirmation mails failed")
