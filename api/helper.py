"""OSDI's record_signature_helper (groundwork: answers 404 until it is built)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def record_signature_helper(request: HttpRequest, petition_id: int) -> HttpResponse:
    raise Http404
