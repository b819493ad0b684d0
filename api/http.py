"""The API's answers: HAL+JSON, and errors as OSDI's errors.md describes them."""

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


def error(status: int, description: str, *, hint: str = "") -> HttpResponse:
    """``{"request_type": …, "error_code": …, "description": …}``: the fields of OSDI's
    errors.md (``osdi:error``), with our short code per status."""
    body: dict[str, Any] = {"osdi:error": {
        "response_code": status, "error_code": _CODES.get(status, "error"),
        "description": description}}
    if hint:
        body["osdi:error"]["hint"] = hint
    return hal(body, status=status)


_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 406: "not_acceptable", 413: "too_large",
          415: "unsupported_media_type", 429: "rate_limited"}
