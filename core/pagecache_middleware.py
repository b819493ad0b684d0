"""The outermost middleware: answer cached public pages, and store the ones Django renders.

It sits first in ``MIDDLEWARE`` so that what it stores is the final response, every other
middleware's headers included, and what it serves skips all of them. ``undersigned.wsgi``
answers the same hits even earlier, before Django builds a request; this middleware covers the
other entry points (the test client, another WSGI server pointed at Django directly).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from core import pagecache, pagefiles

logger = logging.getLogger("undersigned.pagecache")

# The views whose anonymous answers are the same for everyone (statements/urls.py).
PUBLIC_VIEWS = frozenset({
    ("statements", "home"),
    ("statements", "detail"),
    ("statements", "detail-version"),
    ("statements", "category"),
    ("statements", "organisation"),
    ("signatures", "list"),
    ("", "home-negotiated"),
})
# Views of one statement, found by the ``slug`` in their URL (see pagecache.STATEMENT_PATH).
STATEMENT_VIEWS = frozenset({("statements", "detail"), ("statements", "detail-version"),
                             ("signatures", "list")})
CACHEABLE_STATUSES = frozenset({200, 404})
# Vary values that cannot make two anonymous visitors' pages differ (or that the key covers).
HARMLESS_VARY = frozenset({"accept-encoding", "cookie", "accept-language"})


def response_from_entry(entry: pagecache.Entry, request: HttpRequest) -> HttpResponse:
    status, reason, headers, body = entry.answer(request.META)
    response = HttpResponse(body, status=status, reason=reason)
    for name, value in headers:
        response.headers[name] = value
    return response


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        environ = request.META
        if not pagecache.request_is_cacheable(environ):
            return self.get_response(request)
        entry = pagecache.lookup(environ)
        if entry is not None:
            return response_from_entry(entry, request)
        if request.method != "GET":
            return self.get_response(request)
        # Generations are read *before* rendering: a change committed meanwhile makes the
        # stored entry stale at once instead of hiding under the new generation.
        try:
            slug = pagecache.statement_slug(request.path_info)
            dependencies = (pagecache.dependencies_for_statement(_statement_id(slug)) if slug
                            else pagecache.GLOBAL_DEPENDENCIES)
            generations = pagecache.read_generations(dependencies)
        except Exception:  # the cache is an optimisation: without it, Django still answers
            logger.exception("page cache unavailable")
            return self.get_response(request)
        response = self.get_response(request)
        vary_language = _storable(request, response, slug)
        if vary_language is None:
            return response
        entry = pagecache.make_entry(
            response.status_code, response.reason_phrase, response.items(), response.content,
            dependencies, generations, vary_language)
        try:
            pagecache.store(environ, entry)
            pagefiles.write(environ, entry)
        except Exception:
            logger.exception("page cache could not store %s", request.path_info)
        return response_from_entry(entry, request)


def _statement_id(slug: str) -> int | None:
    from statements.models import Statement

    return Statement.objects.filter(slug=slug).values_list("id", flat=True).first()


def _storable(request: HttpRequest, response: HttpResponseBase, slug: str | None) -> bool | None:
    """None when the response must not be cached; else whether it varies by Accept-Language."""
    if response.status_code not in CACHEABLE_STATUSES or response.streaming:
        return None
    # Parameters the view did not read, or read otherwise than written: answered, not stored.
    if not pagecache.storable_query(request.META):
        return None
    if response.cookies or response.has_header("Set-Cookie"):
        return None
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return None
    if not response.get("Content-Type", "").startswith("text/html"):
        return None
    match = request.resolver_match
    if match is None or (match.namespace, match.url_name) not in PUBLIC_VIEWS:
        return None
    # The dependencies were chosen from the path: make sure the view agrees on the statement.
    of_statement = (match.namespace, match.url_name) in STATEMENT_VIEWS
    if of_statement != (slug is not None) or (of_statement and match.kwargs.get("slug") != slug):
        return None
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if not vary <= HARMLESS_VARY:
        return None
    # A session touched while rendering means the page may hold per-visitor state.
    session = getattr(request, "session", None)
    if session is not None and (session.accessed and not session.is_empty()):
        return None
    return "accept-language" in vary
