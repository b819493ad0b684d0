"""WSGI entry point (``undersigned serve`` runs ``undersigned.rsgi``, which wraps this).

Cached public pages are answered before Django builds a request or runs a middleware
(``pages.serving``, when the ``pages`` app is installed). POSTs to the public forms go to
Django through a short middleware chain (``core.handlers``). Everything else goes to Django's
full chain, whose first middleware stores what may be cached.
"""

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
django_application = get_wsgi_application()

from django.apps import apps  # noqa: E402  (needs settings configured above)

from core import handlers  # noqa: E402

public_form_application = handlers.PublicFormHandler()


def uncached_application(environ: dict[str, Any],
                         start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Django, through the short chain for public form POSTs (``undersigned.rsgi`` calls this
    after it has looked in the page cache itself)."""
    if handlers.is_public_form_post(environ):
        return public_form_application(environ, start_response)
    return django_application(environ, start_response)


if apps.is_installed("pages"):
    from pages.serving import wsgi_with_cache

    application = wsgi_with_cache(uncached_application)
else:
    application = uncached_application
