"""The outermost middleware: answer cached public pages, and store the ones Django renders.

It sits first in ``MIDDLEWARE`` so that what it stores is the final response, every other
middleware's headers included, and what it serves skips all of them. ``undersigned.rsgi``
answers the same hits even earlier, before Django builds a request; this middleware covers the
other entry points (the test client, a WSGI server pointed at Django directly).

What may be stored is decided by the view (``@cached_page``, which also read the generations
the page depends on before rendering it) and by the response (below).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from pages import files, store
from pages.decorators import LISTENING, PAGE_PLAN

logger = logging.getLogger("undersigned.pagecache")

CACHEABLE_STATUSES = frozenset({200, 404})
# What a cached view may answer: pages, and the feeds, sitemap, robots.txt, badges and counts
# that are as public as the pages and change with them (reach/). Anything else a view marked
# @cached_page might return (a download, an image) is answered, never stored.
CACHEABLE_TYPES = ("text/html", "application/atom+xml", "application/xml", "image/svg+xml",
                   "application/json", "text/plain")
# Vary values that cannot make two anonymous visitors' pages differ (or that the key covers).
HARMLESS_VARY = frozenset({"accept-encoding", "cookie", "accept-language"})


def response_from_entry(entry: store.Entry, request: HttpRequest) -> HttpResponse:
    status, reason, headers, body = entry.answer(request.META)
    response = HttpResponse(body, status=status, reason=reason)
    for name, value in headers:
        response.headers[name] = value
    return response


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            return self._answer(request)
        finally:
            # The hit path may have sent this request here to render a changed page
            # (pages.store, "pages that changed, under load"): that render is over now.
            store.release_claim(request.META)

    def _answer(self, request: HttpRequest) -> HttpResponseBase:
        environ = request.META
        if not store.request_is_cacheable(environ):
            return self.get_response(request)
        try:
            entry = store.lookup(environ)
        except Exception:  # the cache is an optimisation: without it, Django still answers
            logger.exception("page cache unavailable")
            return self.get_response(request)
        if entry is not None:
            return response_from_entry(entry, request)
        if request.method != "GET":
            return self.get_response(request)
        environ[LISTENING] = True
        return self._render_and_store(request)

    def _render_and_store(self, request: HttpRequest) -> HttpResponseBase:
        environ = request.META
        response = self.get_response(request)
        plan = environ.get(PAGE_PLAN)
        # Only a whole response can be stored (never a streaming one: see _storable).
        if not plan or not isinstance(response, HttpResponse):
            return response
        vary_language = _storable(request, response)
        if vary_language is None:
            return response
        dependencies, generations = plan
        entry = store.make_entry(
            response.status_code, response.reason_phrase, response.items(), response.content,
            dependencies, generations, vary_language)
        try:
            store.store(environ, entry)
            files.write(environ, entry)
        except Exception:
            logger.exception("page cache could not store %s", request.path_info)
        return response_from_entry(entry, request)


def _storable(request: HttpRequest, response: HttpResponseBase) -> bool | None:
    """None when the response must not be cached; else whether it varies by Accept-Language."""
    if response.status_code not in CACHEABLE_STATUSES or response.streaming:
        return None
    # Parameters the view did not read, or read otherwise than written: answered, not stored.
    if not store.storable_query(request.META):
        return None
    if response.cookies or response.has_header("Set-Cookie"):
        return None
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return None
    if not response.get("Content-Type", "").startswith(CACHEABLE_TYPES):
        return None
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if not vary <= HARMLESS_VARY:
        return None
    # A session touched while rendering means the page may hold per-visitor state.
    session = getattr(request, "session", None)
    if session is not None and (session.accessed and not session.is_empty()):
        return None
    return "accept-language" in vary
