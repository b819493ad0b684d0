"""``{% delivery_summary statement %}``: "Delivered to … on … with N signatures" on the
statement's page (the statements app sits below this one and does not import it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template
from django.urls import reverse

from delivery import public

if TYPE_CHECKING:
    from statements.models import Statement

register = template.Library()


@register.inclusion_tag("delivery/_summary.html")
def delivery_summary(statement: Statement) -> dict[str, Any]:
    found = public.summary(statement)
    return {"deliveries": found[:public.SUMMARY_SIZE], "more": len(found) > public.SUMMARY_SIZE,
            "url": reverse("delivery:deliveries", args=[statement.slug]) if found else ""}
