"""``/sitemap.xml`` and ``/robots.txt``: what crawlers may read, and where it all is.

The sitemap lists every public page worth finding, each with its ``hreflang`` alternates
(``xhtml:link``):

* every language version of every public statement: its canonical text and each translation,
  at the address the page's own language switcher gives it (``statements.views.version_url``:
  ``/es/s/<slug>/`` for a language the interface speaks, ``/<language>/s/<slug>/ar/`` for one
  it does not, under the statement's own interface language or else the default one). The
  interface pages of a language without a text of its own (the English text under the Spanish
  interface) are the same text: not listed;
* the home page and every category page, in each interface language.

Absolute addresses come from ``UNDERSIGNED_BASE_URL``, never from the request's Host header.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import override

from statements.models import Category, Statement
from statements.views import version_url

UI_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


def home_language(statement: Statement) -> str:
    """The interface language a statement is shown in when no language was asked for: its
    own when the interface speaks it, else the site's default."""
    return statement.language if statement.language in UI_LANGUAGES else settings.LANGUAGE_CODE


@dataclass(frozen=True)
class Listed:
    """One address of the sitemap and its language alternates (hreflang, path)."""

    path: str
    alternates: tuple[tuple[str, str], ...]
    lastmod: datetime | None = None


def statement_pages(statements: Iterable[Statement]) -> list[Listed]:
    listed = []
    for statement in statements:
        ui_language = home_language(statement)
        languages = [statement.language, *(t.language for t in statement.translations.all())]
        with override(ui_language):
            paths = [(language, version_url(statement, language, ui_language))
                     for language in languages]
        lastmod = getattr(statement, "last_revision", None) or statement.published_at
        listed += [Listed(path, tuple(paths), lastmod) for _language, path in paths]
    return listed


def interface_pages(url_name: str, *args: str) -> list[Listed]:
    """A page every interface language has, once per language."""
    paths = []
    for language in UI_LANGUAGES:
        with override(language):
            paths.append((language, reverse(url_name, args=args)))
    return [Listed(path, tuple(paths)) for _language, path in paths]


class AlternatesSitemap(Sitemap):
    """Addresses of ``Listed`` pages with the alternates each carries, on BASE_URL."""

    def location(self, item: Listed) -> str:
        return item.path

    def lastmod(self, item: Listed) -> datetime | None:
        return item.lastmod

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.BASE_URL).scheme or "https"

    def get_domain(self, site: Any = None) -> str:
        return urlsplit(settings.BASE_URL).netloc

    def get_urls(self, page: int | str = 1, site: Any = None, protocol: str | None = None
                 ) -> list[dict[str, Any]]:
        urls = super().get_urls(page, site, protocol)
        for url in urls:
            url["alternates"] = [{"lang_code": language, "location": settings.BASE_URL + path}
                                 for language, path in url["item"].alternates]
        return urls


class StatementsSitemap(AlternatesSitemap):
    def items(self) -> list[Listed]:
        return statement_pages(
            Statement.objects.public().prefetch_related("translations")
            .annotate(last_revision=Max("revisions__created_at")).order_by("-published_at", "-id"))


class SitePagesSitemap(AlternatesSitemap):
    def items(self) -> list[Listed]:
        listed = interface_pages("statements:home")
        for slug in Category.objects.order_by("slug").values_list("slug", flat=True):
            listed += interface_pages("statements:category", slug)
        return listed


SITEMAPS: dict[str, type[Sitemap[Any]] | Sitemap[Any]] = {
    "site": SitePagesSitemap, "statements": StatementsSitemap}


def robots_lines() -> list[str]:
    """robots.txt: the public site is open; the admin and every page reached through a
    personal link (confirming or managing a sign-on, a commenter's links, the data-rights
    page) are not, in every interface language."""
    private = ["/admin/"]
    for language in UI_LANGUAGES:
        with override(language):
            for name in ("signatures:confirm", "signatures:manage", "comments:confirm",
                         "comments:remove", "comments:unsubscribe", "privacy:your-data"):
                # The path up to the token: every link of that kind starts with it.
                private.append(reverse(name, args=["token"]).removesuffix("token/"))
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in private), "Allow: /", "",
             f"Sitemap: {settings.BASE_URL}{reverse("reach-sitemap")}"]
    return lines
