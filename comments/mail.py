"""Mail about comments, through the same durable task queue as every other mail.

Reply notifications carry List-Unsubscribe headers (RFC 2369 / 8058) whose value is one long
URL. Django's SMTP backend renders messages with ``email.policy.SMTP``, which folds headers at
78 characters and turns an unbreakable URL into RFC 2047 encoded-words — which mail providers
do not decode in List-Unsubscribe. So these mails are sent with a policy that only folds at
the protocol's hard limit of 998 characters.
"""

from __future__ import annotations

import email.policy
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task

from core.mail import render_mail


class UnfoldedHeadersMessage(EmailMessage):
    def message(self, *, policy: Any = email.policy.default) -> Any:
        return super().message(policy=policy.clone(max_line_length=998))


@task(queue_name="mail")
def send_comment_mail_task(to: str, subject: str, body: str, headers: dict[str, str]) -> None:
    UnfoldedHeadersMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                           to=[to], headers=headers).send()


def queue_comment_mail(to: str, template: str, context: dict[str, Any], *, language: str,
                       headers: dict[str, str]) -> None:
    """Queue as a task row inside the caller's transaction (sent only if it commits)."""
    subject, body = render_mail(template, context, language)
    send_comment_mail_task.enqueue(to=to, subject=subject, body=body, headers=headers)
