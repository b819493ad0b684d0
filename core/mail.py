"""Outgoing mail, always through the durable task queue: nothing slow inside a request, and a
mail is queued in the same transaction as the record it is about (sent only if that commits).

Headers such as List-Unsubscribe (RFC 2369 / 8058) hold one long URL. Django renders messages
with a policy that folds headers at 78 characters, turning an unbreakable URL into RFC 2047
encoded-words that mail providers do not decode there; so mails are rendered with a policy that
folds only at the protocol's hard limit of 998 characters.
"""

from __future__ import annotations

import contextlib
import email.policy
import smtplib
from email.utils import formataddr, parseaddr
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation

from core.site import site_name


class UnfoldedHeadersMessage(EmailMessage):
    def message(self, *, policy: Any = email.policy.default) -> Any:
        return super().message(policy=policy.clone(max_line_length=998))


_open_connection: tuple[str, Any] | None = None


def _connection() -> Any:
    """One SMTP connection kept open per worker process: a new TCP and SMTP handshake for
    every mail caps delivery far below what a mail server accepts."""
    global _open_connection
    key = repr(settings.MAILERS["default"])  # a changed setting (tests) opens a new connection
    if _open_connection is None or _open_connection[0] != key:
        _close_connection()
        connection = mailers.default
        connection.open()
        _open_connection = (key, connection)
    return _open_connection[1]


def _close_connection() -> None:
    global _open_connection
    if _open_connection is not None:
        with contextlib.suppress(Exception):
            _open_connection[1].close()
    _open_connection = None


def deliver(to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> None:
    """Send one mail now over the worker's kept connection (call it from a task only)."""
    message = UnfoldedHeadersMessage(subject=subject, body=body, from_email=sender(), to=[to],
                                     headers=headers or {})
    try:
        _connection().send_messages([message])
    except (smtplib.SMTPServerDisconnected, ConnectionError, OSError):
        # The kept connection timed out or the server restarted: one fresh try; a second
        # failure fails the task, which the queue records.
        _close_connection()
        _connection().send_messages([message])


def sender() -> str:
    """``UNDERSIGNED_FROM_EMAIL``; when it gives no display name, the site's name (from the
    site settings, as the task worker knows them now) is shown as the sender."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return settings.DEFAULT_FROM_EMAIL if name else formataddr((site_name(), address))


def server_unavailable(error: BaseException) -> bool:
    """Whether a failed delivery says the mail server cannot take any mail now (unreachable,
    gone, timed out, or answering 421 "service not available"), rather than refusing this one
    message: after it, every further mail of a batch would fail the same way."""
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return False  # about these addresses; the server is there
    return isinstance(error, OSError)  # refused or reset connections, timeouts, DNS, TLS


@task(queue_name="mail")
def send_mail_task(to: str, subject: str, body: str, headers: dict[str, str] | None = None
                   ) -> None:
    deliver(to, subject, body, headers)


def render_mail(template: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    """Render ``<template>.txt``: the first line is the subject, the rest the body."""
    with translation.override(language):
        text = render_to_string(template, {**context, "BASE_URL": settings.BASE_URL,
                                           "SITE_NAME": site_name()})
    subject, _, body = text.lstrip().partition("\n")
    return subject.strip(), body.strip() + "\n"


class Footer(Protocol):
    def __call__(self, to: str, language: str | None, /, *, record: object | None) -> str: ...


_footers: list[Footer] = []


def add_footer(footer: Footer) -> None:
    """Append ``footer(to, language, record=…)`` to every mail to a signer or commenter (the
    privacy app adds the data-rights link this way: core cannot import it)."""
    if footer not in _footers:
        _footers.append(footer)


def compose_mail(to: str, template: str, context: dict[str, Any], *, language: str,
                 record: object | None = None, data_rights: bool = True) -> tuple[str, str]:
    """Subject and body of a mail; every mail to a signer or commenter ends with their "see or
    erase your data" link (the footers added by ``add_footer``). Pass the Signature or Comment
    the mail is about as ``record`` so the link needs no address lookup."""
    subject, body = render_mail(template, context, language)
    if data_rights:
        body += footers(to, language, record=record)
    return subject, body


def footers(to: str, language: str | None, *, record: object | None = None) -> str:
    """What ``add_footer`` asks to append to a mail to ``to`` (for a sender that renders the
    rest of its mails once for many recipients: updates.tasks)."""
    return "".join(footer(to, language, record=record) for footer in _footers)


def deliver_prepared(to: str, message: bytes) -> bool:
    """Send a message already rendered to bytes (headers and body, RFC 5322) over the worker's
    kept SMTP connection, as ``deliver`` sends one: for a bulk sender that builds its message
    once per language instead of once per mail (building one with the ``email`` package costs
    more than sending it). Returns False, having sent nothing, when the mailer is not SMTP
    (the console in development): the caller then uses ``deliver``."""
    smtp: Any = getattr(_connection(), "connection", None)
    if not hasattr(smtp, "sendmail"):
        return False
    envelope_sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    try:
        smtp.sendmail(envelope_sender, [to], message)
    except (smtplib.SMTPServerDisconnected, ConnectionError, OSError):
        # As in deliver: one fresh try, then the failure is the task's.
        _close_connection()
        _connection().connection.sendmail(envelope_sender, [to], message)
    return True


def queue_mail(to: str, template: str, context: dict[str, Any], *, language: str = "en",
               headers: dict[str, str] | None = None, record: object | None = None,
               data_rights: bool = True) -> None:
    """Queue a mail, rendered now, as a task row inside the caller's transaction."""
    subject, body = compose_mail(to, template, context, language=language, record=record,
                                 data_rights=data_rights)
    send_mail_task.enqueue(to=to, subject=subject, body=body, headers=headers or {})


def absolute(path: str) -> str:
    return settings.BASE_URL + path


