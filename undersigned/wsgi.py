"""WSGI entry point, served by granian (``undersigned serve``).

Cached public pages are answered here, before Django builds a request or runs a middleware:
a hit costs a dictionary lookup and a generation check (see ``core.pagecache``). POSTs to the
public forms go to Django through a short middleware chain (``core.handlers``). Everything else
goes to Django's full chain, whose first middleware stores what may be cached.
"""

import os
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
django_application = get_wsgi_application()

from core import handlers, pagecache  # noqa: E402  (needs settings configured above)

public_form_application = handlers.PublicFormHandler()

_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    try:
        entry = pagecache.lookup(environ)
    except Exception:  # the cache is an optimisation: if it fails, Django still answers
        entry = None
    if entry is None:
        return uncached_application(environ, start_response)
    status, reason, headers, body = entry.answer(environ)
    start_response(_STATUS_LINES.get(status) or f"{status} {reason}", headers)
    return [body]


def uncached_application(environ: dict[str, Any],
                         start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Django, through the short chain for public form POSTs (``undersigned.rsgi`` calls this
    after it has looked in the page cache itself)."""
    if handlers.is_public_form_post(environ):
        return public_form_application(environ, start_response)
    return django_application(environ, start_response)
