"""Cache hits answered before Django: the entry points' fast path (``undersigned.rsgi``,
``undersigned.wsgi``). A hit costs a dictionary lookup and a generation check; no request
object, no middleware. A miss (or a failing cache) falls through to Django, whose first
middleware (``pages.middleware``) stores what may be cached."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from core.rsgi import APP_BUSY, BEFORE_THE_LOOP
from pages import store

_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}

WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _entry(environ: dict[str, Any], *, stale_ok: bool = False, claim: bool = True
           ) -> store.Entry | None:
    try:
        return store.lookup(environ, stale_ok=stale_ok, claim=claim)
    except Exception:  # the cache is an optimisation: if it fails, Django still answers
        return None


def answer_rsgi(environ: dict[str, Any], protocol: Any) -> bool:
    """Answer a cached page on granian's RSGI protocol; False when there is none. While the
    app threads are busy, a page that just changed may be answered as it was (pages.store).
    Asked before the loop (``BEFORE_THE_LOOP``), it claims no render: the loop asks again."""
    entry = _entry(environ, stale_ok=bool(environ.get(APP_BUSY)),
                   claim=not environ.get(BEFORE_THE_LOOP))
    if entry is None:
        return False
    status, _reason, headers, body = entry.answer(environ)
    protocol.response_bytes(status, headers, body)
    return True


def wsgi_with_cache(application: WSGIApplication) -> WSGIApplication:
    """``application`` with cached pages answered before it is called."""

    def cached_first(environ: dict[str, Any], start_response: Callable[..., Any]
                     ) -> Iterable[bytes]:
        entry = _entry(environ)
        if entry is None:
            return application(environ, start_response)
        status, reason, headers, body = entry.answer(environ)
        start_response(_STATUS_LINES.get(status) or f"{status} {reason}", headers)
        return [body]

    return cached_first
