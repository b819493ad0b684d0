"""What the public sees of a statement's signatory list."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from statements.models import Statement


def signatory_section(statement: Statement, request: HttpRequest) -> dict[str, Any]:
    visible = statement.signatures.visible()
    organisations = list(visible.organisations().select_related("organisation")
                         .order_by("confirmed_at", "id"))
    return {"organisations": organisations,
            "individuals": list(visible.individuals().named().order_by("confirmed_at", "id")[:100])}
