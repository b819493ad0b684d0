"""The data-rights link by mail, decided by the task worker.

The request form enqueues this task for every address it accepts, held or not: the lookup
that decides whether anything is sent happens here, where its duration tells nobody anything
(issue 14, item 5). The address travels sealed (core.sealed) and is blanked from the task
row once the mail is sent or found unnecessary; a failed send keeps it for the retry.
"""

from __future__ import annotations

from django.tasks import TaskContext, task

from core.mail import compose_mail, deliver
from core.sealed import BadSeal, forget_task_arguments, unseal
from privacy.holdings import holds_anything
from privacy.links import data_rights_url

LINK_REQUEST = "privacy.link-request"  # the purpose the request form seals addresses for


@task(queue_name="mail", takes_context=True)
def mail_data_rights_link(context: TaskContext, sealed: str, language: str) -> None:
    try:
        email = unseal(sealed, LINK_REQUEST)
    except BadSeal:  # blanked already (a re-run) or the secret key changed: nothing to send
        return
    if holds_anything(email):
        subject, body = compose_mail(email, "privacy/mail/data_rights.txt",
                                     {"url": data_rights_url(email, language)},
                                     language=language, data_rights=False)
        deliver(email, subject, body, headers={"Auto-Submitted": "auto-generated"})
    forget_task_arguments(context, "sealed")
