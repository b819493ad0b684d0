"""Mails to signers, rendered by the task worker.

The signing request only writes the signature and this task's row, in one short transaction;
the worker renders the mail from the signature as it is when the mail leaves. A signature
withdrawn, erased or expired meanwhile gets no mail, and the task table never holds a signer's
address or the links mailed to them.
"""

from __future__ import annotations

from django.http import Http404
from django.tasks import task

from core.mail import compose_mail, deliver
from signatures.models import Signature
from statements import lookup
from statements.models import Statement


@task(queue_name="mail")
def mail_signer(signature_id: int, template: str, language: str, again: bool = False) -> None:
    from signatures.actions import mail_context

    signature = Signature.objects.filter(pk=signature_id).first()
    if signature is None or not signature.email:
        return
    try:  # the worker's kept copy: a burst of sign-ons is a burst of mails about one statement
        signature.statement = lookup.public_statement(pk=signature.statement_id)
    except Http404:  # no longer public (back to draft): its own row
        signature.statement = Statement.objects.get(pk=signature.statement_id)
    if template == "confirm" and signature.status != Signature.Status.UNCONFIRMED:
        return  # confirmed (or withdrawn) since: the link would only say so
    context = mail_context(signature, template, language, again=again)
    subject, body = compose_mail(signature.email, f"signatures/mail/{template}.txt", context,
                                 language=language, record=signature)
    deliver(signature.email, subject, body, headers={"Auto-Submitted": "auto-generated"})
