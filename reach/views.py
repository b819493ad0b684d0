"""The share image and the Mastodon hand-over: thin views over ``sharecard`` and ``share``."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from core.context_processors import site
from core.responses import allow_form_handover, private
from reach import share, sharecard
from statements.models import Statement
from statements.pages import row_generations

# Social sites fetch the image once per post; browsers and proxies may keep it an hour, then
# ask again with the ETag (a 304 while the count has not moved by a visible step).
IMAGE_MAX_AGE = 3600


def _statement(slug: str, language: str) -> Statement:
    """A public statement with a version in ``language``, or 404."""
    statement = (Statement.objects.public().prefetch_related("translations")
                 .filter(slug=slug).first())
    if statement is None or language not in sharecard.version_languages(statement):
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
