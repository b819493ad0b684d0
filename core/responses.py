"""Answers meant for one visitor only."""

from __future__ import annotations

from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers


def private[Response: HttpResponseBase](response: Response, *, vary_cookie: bool = False
                                          ) -> Response:
    """A page for one visitor (a signer's confirmation, a form with their errors, a
    commenter's own page): never stored by a cache on the way, never indexed. With
    ``vary_cookie``, the page also depends on a cookie the visitor sent."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    if vary_cookie:
        patch_vary_headers(response, ["Cookie"])
    return response
