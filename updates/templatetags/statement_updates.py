"""``{% statement_updates statement %}``: the statement's published updates, composed into its
page by the statement template (the statements app does not import this one: it sits below)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.conf import settings
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from core.sections import render_section
from updates.public import published_updates

if TYPE_CHECKING:
    from statements.models import Statement

register = template.Library()


@register.simple_tag(takes_context=True)
def statement_updates(context: template.Context, statement: Statement) -> SafeString:
    if not statement.pk:
        return SafeString("")
    version = context.get("version")
    ui_language = get_language() or settings.LANGUAGE_CODE
    updates = published_updates(statement, getattr(version, "language", None), ui_language)
    if not updates:
        return SafeString("")
    return render_section(context, "updates/_section.html", {"updates": updates})
