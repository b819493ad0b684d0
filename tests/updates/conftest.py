"""Builders for the update tests: signers in every state, updates with translations, and the
links a mail carries."""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

from django.utils import timezone

from signatures.models import Signature
from statements.models import Statement
from tests.signatures.conftest import signed  # noqa: F401 (the fixture, as the sign-on tests have it)
from updates.models import Update, UpdateTranslation

UNSUBSCRIBE = re.compile(r"https?://\S+/news/unsubscribe/\S+?/")


def make_signer(statement: Statement, email: str, *, status: str = "visible",
                wants_news: bool = True, language: str = "en", **fields: Any) -> Signature:
    return Signature.objects.create(
        statement=statement, email=email, status=status, wants_news=wants_news,
        language=language, kind=fields.pop("kind", "individual"),
        name=fields.pop("name", email.split("@")[0].title()), show_name=fields.pop("show_name", True),
        confirmed_at=timezone.now() if status != "unconfirmed" else None, **fields)


def make_update(statement: Statement, *, title: str = "We delivered the letter",
                body: str = "The minister **received** it on Monday.",
                translations: dict[str, tuple[str, str]] | None = None,
                published: bool = True) -> Update:
    update = Update.objects.create(statement=statement, title=title, body=body,
                                   published_at=timezone.now() if published else None)
    for language, (version_title, version_body) in (translations or {}).items():
        UpdateTranslation.objects.create(update=update, language=language, title=version_title,
                                         body=version_body)
    return update


def subject(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def unsubscribe_path(url: str) -> str:
    return url[url.index("/", url.index("//") + 2):]
