"""The API's answers: HAL+JSON, and errors in the shape of OSDI's errors.md."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

HAL = "application/hal+json"


def hal(data: Any, *, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                            content_type=f"{HAL}; charset=utf-8", status=status)
    # What a token may read is for that token only; the anonymous answers are public data, but
    # an answer to one caller is never stored on the way for another.
    response["Cache-Control"] = "private, no-store"
    return response


def error(status: int, description: str, *, hint: str = "", properties: list[str] | None = None,
          resource: str = "", error_code: str = "") -> HttpResponse:
    """An ``osdi:error`` (errors.md): an atomic request's ``response_code`` and one
    ``resource_status`` holding the error's description. ``resource`` names the OSDI resource
    concerned (``osdi:signature``), ``properties`` the fields at fault, ``hint`` how to fix it."""
    description_entry: dict[str, Any] = {
        "error_code": error_code or _CODES.get(status, "ERROR"), "description": description}
    if properties:
        description_entry["properties"] = properties
    if hint:
        description_entry["hint"] = hint
    body: dict[str, Any] = {"osdi:error": {
        "request_type": "atomic",
        "response_code": status,
        "resource_status": [{"resource": resource or "osdi:entry_point", "response_code": status,
                             "error_descriptions": [description_entry]}],
    }}
    return hal(body, status=status)


_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
          405: "METHOD_NOT_ALLOWED", 406: "NOT_ACCEPTABLE", 413: "TOO_LARGE",
          415: "UNSUPPORTED_MEDIA_TYPE", 429: "RATE_LIMITED"}
