"""Atom feeds: the site's statements, and each statement's news.

* ``/<language>/feeds/``: the published statements, newest first, each in the visitor's language
  where a translation exists (else in its own), linking to the page in that language.
* ``/<language>/feeds/<slug>/``: what happened to one statement, newest first: the updates its
  editors published (updates/, each in the reader's language where it was translated, else in
  its own, linking to its place on the page), its published text changes (the revisions of the
  version a reader of that language is shown) and its milestones (signature counts passing
  round numbers, the goal reached), dated by the sign-on that passed them.

Only public facts: titles, summaries, counts and dates; never a signer, never an editor (a
revision's author stays in the admin). Entry ids are tag URIs (RFC 4151) built from the site's
host and what the entry is about, so they stay the same however often the feed is rendered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import F, OuterRef, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.translation import get_language, gettext, ngettext

from core.context_processors import site
from signatures.actions import counts
from signatures.models import Signature
from statements.models import Revision, Statement, Translation
from updates.public import published_updates

SITE_FEED_SIZE = 50
NEWS_SIZE = 30
# Milestones are these times the powers of ten, from ten signatures up: 10, 50, 100, 500, …
MILESTONE_STEPS = (1, 5)
FIRST_MILESTONE = 10


def absolute(path: str) -> str:
    return settings.BASE_URL + path


def tag_uri(date: datetime | None, specific: str) -> str:
    """``tag:<host>,<date>:<specific>``: the same entry keeps the same id (RFC 4151)."""
    host = urlsplit(settings.BASE_URL).hostname or "localhost"
    day = (date or datetime(2000, 1, 1)).strftime("%Y-%m-%d")
    return f"tag:{host},{day}:{specific}"


def site_name(request: HttpRequest | None = None) -> str:
    """The site's name as its pages show it (core.context_processors)."""
    return str(site(request or HttpRequest())["SITE_NAME"])


def issuers_of(statement: Statement) -> str:
    return ", ".join(organisation.name for organisation in statement.ordered_issuers())


class LanguageTaggedAtomFeed(Atom1Feed):
    """Atom with each entry's language (``xml:lang``): a Spanish feed may carry a statement
    that exists only in English, and says so."""

    def item_attributes(self, item: dict[str, Any]) -> dict[str, str]:
        attributes = dict(super().item_attributes(item))
        if item.get("language"):
            attributes["xml:lang"] = item["language"]
        return attributes


# --- the site's statements -----------------------------------------------------------------

class StatementsFeed(Feed):
    feed_type = LanguageTaggedAtomFeed

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpRequest:
        return request

    def title(self, request: HttpRequest) -> str:
        return gettext("Statements · %(site)s") % {"site": site_name(request)}

    def subtitle(self, request: HttpRequest) -> str:
        return gettext("Statements published on %(site)s, newest first.") % {
            "site": site_name(request)}

    def link(self, request: HttpRequest) -> str:
        return absolute(reverse("statements:home"))

    def feed_url(self, request: HttpRequest) -> str:
        return absolute(reverse("reach:feed"))

    def feed_guid(self, request: HttpRequest) -> str:
        return absolute(reverse("reach:feed"))

    def author_name(self, request: HttpRequest) -> str:
        return site_name(request)

    def items(self, request: HttpRequest) -> Sequence[Statement]:
        last_revision = (Revision.objects.filter(statement=OuterRef("pk"))
                         .order_by("-created_at").values("created_at")[:1])
        return list(Statement.objects.listed().select_related("category")
                    .prefetch_related("issuer_links__organisation", "translations")
                    .annotate(last_revision=Subquery(last_revision))[:SITE_FEED_SIZE])

    def _version(self, statement: Statement) -> Statement | Translation:
        return statement.version_for(get_language() or settings.LANGUAGE_CODE)

    def item_title(self, statement: Statement) -> str:
        return self._version(statement).title

    def item_description(self, statement: Statement) -> str:
        return escape(self._version(statement).summary)

    def item_link(self, statement: Statement) -> str:
        # The page in the feed's interface language shows the text the entry carries: its
        # translation into that language, else the original.
        return absolute(reverse("statements:detail", args=[statement.slug]))

    def item_guid(self, statement: Statement) -> str:
        language = self._version(statement).language
        return tag_uri(statement.published_at, f"statement/{statement.pk}/{language}")

    def item_guid_is_permalink(self, statement: Statement) -> bool:
        return False

    def item_pubdate(self, statement: Statement) -> datetime | None:
        return statement.published_at

    def item_updateddate(self, statement: Statement) -> datetime | None:
        return getattr(statement, "last_revision", None) or statement.published_at

    def item_author_name(self, statement: Statement) -> str:
        return issuers_of(statement) or site_name()

    def item_categories(self, statement: Statement) -> list[str]:
        return [statement.category.name] if statement.category else []

    def item_extra_kwargs(self, statement: Statement) -> dict[str, Any]:
        return {"language": self._version(statement).language}


# --- one statement's news ------------------------------------------------------------------

@dataclass(frozen=True)
class News:
    """One entry of a statement's news."""

    id: str
    title: str
    summary: str
    link: str
    date: datetime
    language: str


def milestones(total: int, goal: int | None) -> list[int]:
    """The signature counts worth an entry that ``total`` has reached: round numbers (10, 50,
    100, 500, …) and the goal."""
    reached: set[int] = set()
    power = FIRST_MILESTONE
    while power <= total:
        reached.update(step * power for step in MILESTONE_STEPS if step * power <= total)
        power *= 10
    if goal and goal <= total:
        reached.add(goal)
    return sorted(reached)


def passing_dates(statement: Statement, positions: Sequence[int]) -> dict[int, datetime]:
    """When the signatures now visible reached each count: the confirmation of the n-th one.

    One query: the visible signatures numbered in the order they were confirmed. It reads
    every visible signature of the statement (an index walk and a sort), which is why the feed
    asks only for the latest milestones and is served from the page cache."""
    if not positions:
        return {}
    rows = (Signature.objects.filter(statement=statement).visible()
            .annotate(signed_at=Coalesce("confirmed_at", "created_at"),
                      position=Window(RowNumber(), order_by=[F("signed_at").asc(),
                                                             F("id").asc()]))
            .filter(position__in=list(positions)).values_list("position", "signed_at"))
    return dict(rows)


def statement_news(statement: Statement, ui_language: str) -> list[News]:
    """Revisions and milestones of ``statement``, as a reader of ``ui_language`` is shown it."""
    version = statement.version_for(ui_language)
    # The page in this interface language shows this version (see StatementsFeed.item_link).
    page = absolute(reverse("statements:detail", args=[statement.slug]))
    news = []
    for update in published_updates(statement, version.language, ui_language):
        news.append(News(
            id=tag_uri(update.published_at,
                       f"statement/{statement.pk}/{update.anchor}/{update.language}"),
            title=update.title, summary=update.body_html, link=f"{page}#{update.anchor}",
            date=update.published_at, language=update.language))
    revisions = (Revision.objects.filter(statement=statement, language=version.language)
                 .order_by("-number")[:NEWS_SIZE])
    history = absolute(reverse("statements:history-version", args=[statement.slug,
                                                                    version.language]))
    for revision in revisions:
        if revision.number == 1:
            title = gettext("Published: %(title)s") % {"title": revision.title}
            link = page
        else:
            title = gettext("Text changed (revision %(number)s): %(title)s") % {
                "number": revision.number, "title": revision.title}
            # What changed, on the history page: this revision against the one before.
            link = f"{history}?to={revision.number}"
        news.append(News(
            id=tag_uri(revision.created_at,
                       f"statement/{statement.pk}/revision/{revision.language}/{revision.number}"),
            title=title, summary=escape(revision.summary), link=link, date=revision.created_at,
            language=revision.language))
    counter = counts(statement)
    goal = statement.signature_goal
    reached = milestones(counter.total, goal)[-NEWS_SIZE:]
    dates = passing_dates(statement, reached)
    for count in reached:
        if count not in dates:  # the counters ran ahead of the rows: no date to give
            continue
        shown = number_format(count, force_grouping=True)
        if count == goal:
            title = ngettext("Goal reached: %(count)s signature",
                             "Goal reached: %(count)s signatures", count) % {"count": shown}
            kind = "goal"
        else:
            title = ngettext("%(count)s signature", "%(count)s signatures", count) % {
                "count": shown}
            kind = "milestone"
        summary = ngettext("“%(title)s” has been signed %(count)s time.",
                           "“%(title)s” has been signed %(count)s times.", count) % {
            "title": version.title, "count": shown}
        news.append(News(
            id=tag_uri(statement.published_at, f"statement/{statement.pk}/{kind}/{count}"),
            title=title, summary=escape(summary), link=page, date=dates[count],
            language=ui_language))
    news.sort(key=lambda entry: entry.date, reverse=True)
    return news[:NEWS_SIZE]


@dataclass(frozen=True)
class StatementOfFeed:
    statement: Statement
    request: HttpRequest


class StatementNewsFeed(Feed):
    feed_type = LanguageTaggedAtomFeed

    def get_object(self, request: HttpRequest, *args: Any, slug: str = "", **kwargs: Any
                   ) -> StatementOfFeed:
        # A draft's feed does not exist: DoesNotExist is answered 404 by Feed.
        statement = (Statement.objects.public().prefetch_related("translations")
                     .get(slug=slug))
        return StatementOfFeed(statement, request)

    def _version(self, of: StatementOfFeed) -> Statement | Translation:
        return of.statement.version_for(get_language() or settings.LANGUAGE_CODE)

    def title(self, of: StatementOfFeed) -> str:
        return gettext("News of “%(title)s”") % {"title": self._version(of).title}

    def subtitle(self, of: StatementOfFeed) -> str | None:
        return self._version(of).summary or None

    def link(self, of: StatementOfFeed) -> str:
        return absolute(reverse("statements:detail", args=[of.statement.slug]))

    def feed_url(self, of: StatementOfFeed) -> str:
        return absolute(reverse("reach:statement-feed", args=[of.statement.slug]))

    def feed_guid(self, of: StatementOfFeed) -> str:
        return self.feed_url(of)

    def author_name(self, of: StatementOfFeed) -> str:
        return issuers_of(of.statement) or site_name(of.request)

    def items(self, of: StatementOfFeed) -> list[News]:
        return statement_news(of.statement, get_language() or settings.LANGUAGE_CODE)

    def item_title(self, news: News) -> str:
        return news.title

    def item_description(self, news: News) -> str:
        return news.summary

    def item_link(self, news: News) -> str:
        return news.link

    def item_guid(self, news: News) -> str:
        return news.id

    def item_guid_is_permalink(self, news: News) -> bool:
        return False

    def item_updateddate(self, news: News) -> datetime:
        return news.date

    def item_pubdate(self, news: News) -> datetime:
        return news.date

    def item_extra_kwargs(self, news: News) -> dict[str, Any]:
        return {"language": news.language}


statements_feed = StatementsFeed()
statement_news_feed = StatementNewsFeed()
