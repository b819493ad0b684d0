"""What the public sees of a statement's discussion."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from statements.models import Statement


def comment_section(statement: Statement, request: HttpRequest) -> dict[str, Any]:
    return {"statement": statement}
