"""RSGI entry point, served by granian (``undersigned serve``).

The same application as ``undersigned.wsgi`` — cached public pages answered before Django,
public form POSTs through the short chain, everything else through Django's full chain — put
behind ``core.rsgi``: the body of a request is received on the event loop with a deadline before
any app thread sees it, and cached pages are answered on the loop, so a slow client can hold a
connection but never an app thread (docs/deployment.md).
"""

from typing import Any

from django.conf import settings

from core import pagecache, rsgi
from undersigned import wsgi


def _cached_page(environ: dict[str, Any], protocol: Any) -> bool:
    try:
        entry = pagecache.lookup(environ)
    except Exception:  # the cache is an optimisation: if it fails, Django still answers
        return False
    if entry is None:
        return False
    status, _reason, headers, body = entry.answer(environ)
    protocol.response_bytes(status, headers, body)
    return True


application = rsgi.RSGIApplication(
    wsgi.uncached_application, fast_path=_cached_page,
    body_seconds=settings.CONFIG.request_body_seconds,
    max_body_bytes=settings.CONFIG.request_body_max_bytes,
    threads=settings.CONFIG.threads)
