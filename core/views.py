"""Site-wide views: error pages, health check, and uploaded media."""

from pathlib import Path

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.views.decorators.http import require_safe

from core.site import SiteIdentity

MEDIA_TYPES = {".webp": "image/webp", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".png": "image/png", ".gif": "image/gif"}


def _render_error(request: HttpRequest, template: str, response_class: type) -> HttpResponse:
    body: str
    try:
        body = loader.render_to_string(template, {"request": request}, request)
    except Exception:  # an error page must never fail in turn
        body = "<!doctype html><title>Error</title><h1>Error</h1>"
    return response_class(body)


def bad_request_response(request: HttpRequest) -> HttpResponse:
    return _render_error(request, "errors/400.html", HttpResponseBadRequest)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return bad_request_response(request)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render_error(request, "errors/403.html", HttpResponseForbidden)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The site's own 403 page (Django's default has an inline style our CSP blocks)."""
    return forbidden(request)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render_error(request, "errors/404.html", HttpResponseNotFound)


def server_error(request: HttpRequest) -> HttpResponse:
    return _render_error(request, "errors/500.html", HttpResponseServerError)


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def theme(request: HttpRequest, accent: str) -> HttpResponse:
    """The site's accent colour as a stylesheet (the CSP allows no inline style). Its address
    names the colour, so browsers keep it for a year and a new colour is a new address."""
    identity = SiteIdentity(accent=f"#{accent.lower()}")
    css = f":root {{ --accent: {identity.accent}; --accent-dark: {identity.accent_dark}; }}\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_safe
def media(request: HttpRequest, path: str) -> FileResponse:
    """Uploaded images, under content-hashed names, so they can be cached for a year.
    nginx serves /media/ itself in the shipped deployment; this covers a bare `serve`."""
    root = Path(settings.MEDIA_ROOT).resolve()
    target = (root / path).resolve()
    if root not in target.parents or not target.is_file():
        raise Http404
    content_type = MEDIA_TYPES.get(target.suffix.lower())
    if content_type is None:
        raise Http404
    response = FileResponse(target.open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
