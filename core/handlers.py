"""A second Django handler, with a short middleware chain, for the public form posts.

On a viral day the sign-on and comment POSTs arrive by the hundred a second, and every one of
them went through all fifteen middlewares — sessions, authentication, two-factor checks,
messages, CSRF, static files — although none of them means anything to a form that anonymous
visitors post to, carries no per-visitor token (the page is the same bytes for everyone) and is
``csrf_exempt`` (what that cost: docs/benchmarks.md). A view marked ``@public_form``
is served, for POSTs, by a handler whose chain is ``settings.PUBLIC_FORM_MIDDLEWARE``: the
middlewares that shape what the visitor receives (security headers, the language from the URL,
the early 4xx for malformed input) and nothing else. Its answers carry the same headers as the
full chain's (tests/performance/test_public_form_handler.py compares them).

Everything else — GETs, the admin, any view not marked — goes through the full chain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler, get_path_info
from django.urls import Resolver404, resolve
from django.utils import translation

# Paths are few (a statement × a language); anything past this is somebody probing.
_MAX_REMEMBERED = 1024
_is_public_form: dict[str, bool] = {}


def public_form[View: Callable[..., Any]](view: View) -> View:
    """Mark a view whose POSTs need no session, user, messages or CSRF cookie."""
    view.public_form = True  # type: ignore[attr-defined]
    return view


class PublicFormHandler(WSGIHandler):
    """Django's WSGI handler with the chain of ``settings.PUBLIC_FORM_MIDDLEWARE``."""

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds a handler's chain from settings.MIDDLEWARE and nothing else; this runs
        # once, when the WSGI module is imported, before any request.
        full_chain = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.PUBLIC_FORM_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full_chain


def is_public_form_post(environ: dict[str, Any]) -> bool:
    """A POST to a view marked ``@public_form`` (remembered per path)."""
    if environ.get("REQUEST_METHOD") != "POST":
        return False
    path = environ.get("PATH_INFO", "")
    known = _is_public_form.get(path)
    if known is None:
        known = _resolves_to_public_form(environ)
        if len(_is_public_form) >= _MAX_REMEMBERED:
            _is_public_form.clear()
        _is_public_form[path] = known
    return known


def _resolves_to_public_form(environ: dict[str, Any]) -> bool:
    try:
        path = get_path_info(environ)
        # The language prefix of a URL only resolves while that language is active, as
        # LocaleMiddleware arranges for the handler itself.
        with translation.override(translation.get_language_from_path(path)):
            match = resolve(path)
    except (Resolver404, ValueError, UnicodeError):
        return False  # the full chain answers it, with its own 4xx
    return bool(getattr(match.func, "public_form", False))
