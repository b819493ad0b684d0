"""Feeds, the sitemap, robots.txt, the embeds, the share image and the Mastodon hand-over: thin
views over ``feeds``, ``sitemaps``, ``embeds``, ``sharecard`` and ``share``. The pages are cached
like the pages they reflect and made stale with them (``statements.pages``)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.sitemaps.views import sitemap as django_sitemap
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import get_language, override
from django.views.decorators.http import require_safe

from core.context_processors import site
from core.framing import allow_framing
from core.responses import allow_form_handover, private
from pages.decorators import cached_page
from reach import embeds, feeds, share, sharecard, sitemaps
from statements import pages
from statements.models import Statement
from statements.pages import row_generations

# A crawler asks for these often; one answer per change of the site.
ROBOTS_CONTENT_TYPE = "text/plain; charset=utf-8"
SVG_CONTENT_TYPE = "image/svg+xml; charset=utf-8"
# Social sites fetch the image once per post; browsers and proxies may keep it an hour, then
# ask again with the ETag (a 304 while the count has not moved by a visible step).
IMAGE_MAX_AGE = 3600


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


# --- sharing -------------------------------------------------------------------------------

def _statement(slug: str, language: str) -> Statement:
    """A public statement with a version in ``language``, or 404."""
    statement = _public_statement(slug)
    if language not in sharecard.version_languages(statement):
        raise Http404("No such statement.")
    return statement


def site_name(request: HttpRequest) -> str:
    return str(site(request)["SITE_NAME"])


@require_safe
def share_image(request: HttpRequest, slug: str, language: str) -> HttpResponse:
    """The PNG of one language version, drawn on the first request for what it shows and
    kept; a request whose ETag still names it gets a 304 without reading it."""
    statement = _statement(slug, language)
    card = sharecard.card_for(statement, language, get_language() or settings.LANGUAGE_CODE,
                              site_name(request))
    digest = card.digest(row_generations(statement.pk), statement.pk)
    etag = quote_etag(digest)
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponse(status=304)
    else:
        png = sharecard.image_for(card, sharecard.CACHE_KEY.format(digest=digest))
        response = HttpResponse(png, content_type="image/png")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={IMAGE_MAX_AGE}"
    return response


@require_safe
def mastodon(request: HttpRequest, slug: str, language: str) -> HttpResponse:
    """Sends the visitor to the share page of the Mastodon server they named, with the
    statement's share text; a name that is not a bare domain gets the form again and why."""
    statement = _statement(slug, language)
    value = request.GET.get("instance", "")
    prepared = share.share_for(statement, language)
    try:
        host = share.mastodon_host(value)
    except share.BadInstance as refusal:
        return allow_form_handover(private(render(request, "reach/mastodon.html", {
            "statement": statement, "share": prepared,
            "instance": value[:share.MAX_INSTANCE_INPUT], "error": str(refusal)}, status=400)))
    return private(HttpResponseRedirect(share.mastodon_share_url(host, prepared.message)))
