"""Plumbing around every request: refuse malformed input early, and keep public pages private."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from core.views import bad_request_response

MAX_PATH_LENGTH = 2000
ADMIN_PREFIX = "/admin/"


class RequestLimitsMiddleware:
    """Clear 4xx for input Django would otherwise choke on later (docs/security.md, invariant 8)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if len(path) > MAX_PATH_LENGTH or "\x00" in path or "\ufffd" in path:
            return bad_request_response(request)
        query = request.META.get("QUERY_STRING", "")
        if len(query) > MAX_PATH_LENGTH:
            return bad_request_response(request)
        try:
            query.encode("ascii")
        except UnicodeEncodeError:
            return HttpResponseBadRequest()
        return self.get_response(request)


class PublicHeadersMiddleware:
    """Headers for every response; public pages never set cookies for anonymous visitors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Only features browsers know: an unknown one (such as "bluetooth") puts an error in
        # the console of every page (tests/browser/test_site.py). deploy/nginx says the same.
        response.headers.setdefault(
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=(), "
            "browsing-topics=(), display-capture=(), serial=()",
        )
        # Public pages send no referrer at all (links in them may carry tokens). The admin uses
        # "same-origin": under "no-referrer" browsers send `Origin: null` with every form POST,
        # which Django's CSRF origin check rightly refuses — the admin could not save anything.
        # Its URLs still never reach another site.
        policy = "same-origin" if request.path_info.startswith(ADMIN_PREFIX) else "no-referrer"
        response.headers.setdefault("Referrer-Policy", policy)
        # XFrameOptionsMiddleware sits innermost; responses that never reach it (an early 400
        # from RequestLimitsMiddleware) get the header here. A view that opts out on purpose
        # (xframe_options_exempt, e.g. a future embed) keeps its choice.
        if "X-Frame-Options" not in response and not getattr(response, "xframe_options_exempt",
                                                                 False):
            response.headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
        return response
