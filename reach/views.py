"""Feeds, the sitemap, robots.txt and the embeds: thin views, each cached like the pages it
reflects and made stale with them (``statements.pages``)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.sitemaps.views import sitemap as django_sitemap
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import override
from django.views.decorators.http import require_safe

from core.framing import allow_framing
from pages.decorators import cached_page
from reach import embeds, feeds, sitemaps
from statements import pages
from statements.models import Statement

# A crawler asks for these often; one answer per change of the site.
ROBOTS_CONTENT_TYPE = "text/plain; charset=utf-8"
SVG_CONTENT_TYPE = "image/svg+xml; charset=utf-8"


def _public_statement(slug: str) -> Statement:
    """A statement anyone may read; a draft (or nothing) is a 404, for editors too: partner
    sites and crawlers must never see a draft, whoever previews it."""
    statement = (Statement.objects.public().prefetch_related("translations")
                 .filter(slug=slug).first())
    if statement is None:
        raise Http404
    return statement


# --- feeds -----------------------------------------------------------------------------------

@cached_page(pages.page_of_site)
@require_safe
def feed(request: HttpRequest) -> HttpResponse:
    return feeds.statements_feed(request)


@cached_page(pages.page_of_statement)
@require_safe
def statement_feed(request: HttpRequest, slug: str) -> HttpResponse:
    return feeds.statement_news_feed(request, slug=slug)


# --- sitemap and robots.txt --------------------------------------------------------------------

@cached_page(pages.page_of_site)
@require_safe
def sitemap(request: HttpRequest) -> HttpResponse:
    response = django_sitemap(request, sitemaps.SITEMAPS, template_name="reach/sitemap.xml")
    response.render()
    return response


@cached_page(pages.page_of_site)
@require_safe
def robots(request: HttpRequest) -> HttpResponse:
    return HttpResponse("\n".join(sitemaps.robots_lines()) + "\n",
                        content_type=ROBOTS_CONTENT_TYPE)


# --- embeds ----------------------------------------------------------------------------------

def _in_home_language(view: Callable[..., HttpResponse], request: HttpRequest, slug: str
                      ) -> HttpResponse:
    """An address without a language prefix: the statement's own interface language."""
    statement = _public_statement(slug)
    language = sitemaps.home_language(statement)
    with override(language):
        response = view(request, statement)
    response["Content-Language"] = language
    return response


def _embed(request: HttpRequest, statement: Statement) -> HttpResponse:
    return render(request, "reach/embed.html", {"embed": embeds.embed_of(statement)})


def _badge(request: HttpRequest, statement: Statement) -> HttpResponse:
    response = render(request, "reach/badge.svg",
                      embeds.badge_context(embeds.embed_of(statement)),
                      content_type=SVG_CONTENT_TYPE)
    # Shown by <img> on partner sites, including those that isolate themselves (COEP).
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@cached_page(pages.page_of_statement)
@require_safe
@allow_framing
def embed(request: HttpRequest, slug: str) -> HttpResponse:
    return _embed(request, _public_statement(slug))


@cached_page(pages.page_of_statement)
@require_safe
@allow_framing
def embed_home_language(request: HttpRequest, slug: str) -> HttpResponse:
    return _in_home_language(_embed, request, slug)


@cached_page(pages.page_of_statement)
@require_safe
def badge(request: HttpRequest, slug: str) -> HttpResponse:
    return _badge(request, _public_statement(slug))


@cached_page(pages.page_of_statement)
@require_safe
def badge_home_language(request: HttpRequest, slug: str) -> HttpResponse:
    return _in_home_language(_badge, request, slug)


@cached_page(pages.page_of_statement)
@require_safe
def count(request: HttpRequest, slug: str) -> JsonResponse:
    response = JsonResponse(embeds.count_document(_public_statement(slug)))
    # The one answer other sites' scripts may read: public counts, nothing personal.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
