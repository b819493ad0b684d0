"""The API's views (groundwork: the routes exist; each answers 404 until it is built)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def _not_yet(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


entry_point = openapi = petitions = petition = signatures = signature = _not_yet
people = person = _not_yet
