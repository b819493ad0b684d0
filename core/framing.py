"""Which pages another site may show in a frame: none, except those that say so.

Every response forbids framing (``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'``,
set in settings): a framed form is a clickjacking target. A view made for partner sites (an
embed) opts out with ``@allow_framing``: its CSP names the sites allowed to frame it
(``settings.UNDERSIGNED["EMBED_FRAME_ANCESTORS"]``, ``*`` by default) and it sends no
``X-Frame-Options``, which cannot express a list of sites. The rest of its policy is the site's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpResponseBase


def framing_policy() -> dict[str, list[str]]:
    """The site's Content-Security-Policy with frame-ancestors opened to the allowed sites."""
    return {**settings.SECURE_CSP,
            "frame-ancestors": list(settings.UNDERSIGNED["EMBED_FRAME_ANCESTORS"])}


def allow_framing[View: Callable[..., Any]](view: View) -> View:
    """Let the allowed sites frame this view's pages (see the module's docstring)."""

    @functools.wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response: HttpResponseBase = view(request, *args, **kwargs)
        # Read by Django's CSP middleware, and by its X-Frame-Options middleware and ours
        # (core.middleware.PublicHeadersMiddleware), which then leave the header out.
        response._csp_config = framing_policy()  # type: ignore[attr-defined]
        response.xframe_options_exempt = True  # type: ignore[attr-defined]
        return response

    return wrapped  # type: ignore[return-value]
