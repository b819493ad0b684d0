"""What partner sites show of a statement: a small framed page, a badge, a count.

* ``/embed/<slug>/`` (and ``/<language>/embed/<slug>/``): a page made to be framed
  (``core.framing.allow_framing``): the title, the count, the goal bar and a Sign button that
  opens the statement's page outside the frame. No JavaScript, no form: signing happens on our
  page, where the signer sees our address and our privacy notes.
* ``/embed/<slug>/badge.svg`` (and ``/<language>/…``): the count as an SVG image for an ``<img>``.
* ``/embed/<slug>/count.json``: the counts, readable from any site (CORS ``*``).

Counts come from the statement's counters (``signatures.actions.counts``, as on the statement's
page), never from counting rows: hidden and count-only signers are counted, and nothing here
names anyone. Without a language prefix the statement's own interface language is used
(``reach.sitemaps.home_language``), so each address has one answer, which the page cache keeps
until the statement changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.text import Truncator
from django.utils.translation import get_language, ngettext

from signatures.actions import counts
from signatures.models import SignatureCounter
from statements.models import Statement, Translation

# Badge geometry: a single line of text in a rounded box, wide enough for the text it holds.
BADGE_HEIGHT = 20
BADGE_PADDING = 8
BADGE_CHAR_WIDTH = 7  # px per character at 11 px sans-serif, generous for digits and capitals
BADGE_TITLE_CHARS = 80  # the accessible name names the statement, but keeps the badge small


@dataclass(frozen=True)
class Embed:
    statement: Statement
    version: Statement | Translation
    counter: SignatureCounter
    page_url: str

    @property
    def goal(self) -> int:
        return self.statement.signature_goal or 0

    @property
    def goal_value(self) -> int:
        return min(self.counter.total, self.goal)

    @property
    def open(self) -> bool:
        return self.statement.is_open_for_signing


def embed_of(statement: Statement) -> Embed:
    """What the embed shows, in the active interface language."""
    language = get_language() or settings.LANGUAGE_CODE
    return Embed(statement=statement, version=statement.version_for(language),
                 counter=counts(statement),
                 # Relative: it resolves against the frame's own address, which is ours.
                 page_url=reverse("statements:detail", args=[statement.slug]))


def signatures_text(total: int) -> str:
    return ngettext("%(count)s signature", "%(count)s signatures", total) % {
        "count": number_format(total, force_grouping=True)}


def badge_context(embed: Embed) -> dict[str, Any]:
    text = signatures_text(embed.counter.total)
    width = BADGE_PADDING * 2 + BADGE_CHAR_WIDTH * len(text)
    title = Truncator(embed.version.title).chars(BADGE_TITLE_CHARS)
    return {"text": text, "label": f"{title}: {text}", "width": width,
            "height": BADGE_HEIGHT, "text_x": BADGE_PADDING, "language": get_language()}


def count_document(statement: Statement) -> dict[str, Any]:
    """The JSON partners read: counts, the goal, and whether signing is closed."""
    counter = counts(statement)
    return {"statement": statement.slug, "total": counter.total,
            "organisations": counter.organisations, "individuals": counter.individuals,
            "goal": statement.signature_goal, "closed": not statement.is_open_for_signing}
