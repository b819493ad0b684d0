"""What a signer's mails say: their links and the context their templates are rendered with
(by the task worker, when the mail leaves: ``signatures.tasks``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core.mail import absolute
from signatures import tokens
from signatures.models import Signature
from statements.models import Statement


def link(signature: Signature, purpose: str, language: str | None = None) -> str:
    name = "signatures:confirm" if purpose == tokens.CONFIRM else "signatures:manage"
    with translation.override(language or signature.language):
        return absolute(reverse(name, args=[tokens.make_token(signature, purpose)]))


def statement_title(statement: Statement, language: str) -> str:
    if language != statement.language:
        version = statement.translations.filter(language=language).only("title").first()
        if version:
            return version.title
    return statement.title


def mail_context(signature: Signature, template: str, language: str, *, again: bool = False
                 ) -> dict[str, Any]:
    """What the signer's mail templates show; built by the task worker when the mail leaves."""
    statement = signature.statement
    context: dict[str, Any] = {
        "signature": signature,
        "statement": statement,
        "title": statement_title(statement, language),
        "manage_url": link(signature, tokens.MANAGE, language),
        "statement_url": absolute(statement_path(statement, language)),
        "expiry_days": settings.UNDERSIGNED.get("UNCONFIRMED_EXPIRY_DAYS") or 7,
        "again": again,
    }
    if template == "confirm":
        context["confirm_url"] = link(signature, tokens.CONFIRM, language)
        context["confirmation_text"] = statement.confirmation_text_for(language)
    if template == "rejected":
        context["message"] = statement.rejection_message
    return context


def statement_path(statement: Statement, language: str) -> str:
    with translation.override(language):
        return statement.get_absolute_url()
