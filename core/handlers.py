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

The decision needs the path resolved, so the resolution is remembered per path and the short
chain's handler takes it instead of resolving the path a second time: Django tries the URL
patterns one by one, and the public forms' paths come after most of them (the cost:
docs/benchmarks.md, round 18). A path's resolution depends on nothing but the path and the
URLconf (its language prefix resolves under its own language, as below), and the memory is
emptied when the URLconf setting changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler, get_path_info
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils import translation

# Paths are few (a statement × a language); anything past this is somebody probing.
_MAX_REMEMBERED = 1024
# PATH_INFO -> its resolution when it is a public form's, else None.
_public_form_matches: dict[str, ResolverMatch | None] = {}


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

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        """The resolution ``is_public_form_post`` remembered for the path, as Django's own
        would be: a copy per request, so that nothing a request does to it reaches the next."""
        remembered = _public_form_matches.get(request.META.get("PATH_INFO", ""))
        if remembered is None or hasattr(request, "urlconf"):
            return super().resolve_request(request)
        # ResolverMatch refuses copy.copy (it forbids pickling): copy its attributes.
        match = ResolverMatch.__new__(ResolverMatch)
        match.__dict__.update(remembered.__dict__, kwargs=dict(remembered.kwargs))
        request.resolver_match = match
        return match


def is_public_form_post(environ: dict[str, Any]) -> bool:
    """A POST to a view marked ``@public_form`` (remembered per path)."""
    if environ.get("REQUEST_METHOD") != "POST":
        return False
    path = environ.get("PATH_INFO", "")
    try:
        return _public_form_matches[path] is not None
    except KeyError:
        match = _public_form_match(environ)
        if len(_public_form_matches) >= _MAX_REMEMBERED:
            _public_form_matches.clear()
        _public_form_matches[path] = match
        return match is not None


def _public_form_match(environ: dict[str, Any]) -> ResolverMatch | None:
    try:
        path = get_path_info(environ)
        # The language prefix of a URL only resolves while that language is active, as
        # LocaleMiddleware arranges for the handler itself.
        with translation.override(translation.get_language_from_path(path)):
            match = resolve(path)
    except (Resolver404, ValueError, UnicodeError):
        return None  # the full chain answers it, with its own 4xx
    return match if getattr(match.func, "public_form", False) else None


@receiver(setting_changed)
def _forget_resolutions(*, setting: str, **kwargs: Any) -> None:
    if setting == "ROOT_URLCONF":
        _public_form_matches.clear()
