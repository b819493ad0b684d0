"""What the public sees of updates: the published ones, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.translation import get_language

from statements.models import Statement
from updates.models import Update, UpdateTranslation

# The page shows this many updates, newest first; the feed carries as many.
SHOWN = 20


@dataclass(frozen=True)
class ShownUpdate:
    anchor: str
    title: str
    body_html: str
    language: str
    direction: str
    published_at: datetime
    sent: bool


def reader_version(update: Update, *languages: str | None) -> ShownUpdate:
    """The update in the first of ``languages`` it was translated into, else in its own."""
    version: Update | UpdateTranslation = update
    for language in languages:
        candidate = update.version_for(language) if language else update
        if candidate is not update:
            version = candidate
            break
    assert update.published_at is not None
    return ShownUpdate(anchor=update.anchor, title=version.title,
                       body_html=version.body_html,
                       language=version.language,
                       direction=version.direction,
                       published_at=update.published_at, sent=update.sent_at is not None)


def published_updates(statement: Statement, *languages: str | None) -> list[ShownUpdate]:
    """The statement's published updates, newest first, each in the first of ``languages`` it
    was translated into (the page's text language, then the interface's), else in its own."""
    updates = (Update.objects.filter(statement=statement).published()
               .select_related("statement").prefetch_related("translations")
               .order_by("-published_at", "-id")[:SHOWN])
    wanted = languages or (get_language() or settings.LANGUAGE_CODE,)
    return [reader_version(update, *wanted) for update in updates]
