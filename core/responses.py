"""Answers meant for one visitor only."""

from __future__ import annotations

from django.conf import settings
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


def allow_form_handover[Response: HttpResponseBase](response: Response) -> Response:
    """A page with a form that our server answers by sending the visitor on to a site they
    named (the Mastodon share form, ``reach``): browsers check the policy's ``form-action``
    against every redirect after a submission, so this page's policy allows HTTPS targets
    as well. Every other page keeps ``form-action 'self'``."""
    policy = dict(settings.SECURE_CSP)
    policy["form-action"] = [*policy.get("form-action", ["'self'"]), "https:"]
    response._csp_config = policy  # type: ignore[attr-defined]  # Django's csp_override does the same
    return response
