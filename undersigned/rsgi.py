"""RSGI entry point, served by granian (``undersigned serve``).

The same application as ``undersigned.wsgi`` — cached public pages answered before Django
(``pages.serving``), public form POSTs through the short chain, everything else through Django's
full chain — put behind ``core.rsgi``: the body of a request is received on the event loop with
a deadline before any app thread sees it, and cached pages are answered before the loop, in
the thread granian hands requests over from, so a slow client can hold a connection but never
an app thread (docs/deployment.md).
"""

from django.apps import apps
from django.conf import settings

from core import rsgi
from undersigned import wsgi

fast_path: rsgi.FastPath | None = None
if apps.is_installed("pages"):
    from pages.serving import answer_rsgi

    fast_path = answer_rsgi

application = rsgi.RSGIApplication(
    wsgi.uncached_application, fast_path=fast_path,
    body_seconds=settings.CONFIG.request_body_seconds,
    max_body_bytes=settings.CONFIG.request_body_max_bytes,
    threads=settings.CONFIG.threads)
# Cached pages are answered in granian's scheduler thread, before the loop (see there).
rsgi.answer_before_the_loop(application)
