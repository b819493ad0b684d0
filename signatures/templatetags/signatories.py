"""``{% signatory_section statement %}``: the count, the first names and the sign form under a
statement, composed into the statement's page by its template (the statements app does not
import the signatures app: it sits below it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.utils.safestring import SafeString

from core.sections import render_section
from signatures.public import signatory_section as section_of

if TYPE_CHECKING:
    from statements.models import Statement

register = template.Library()


@register.simple_tag(takes_context=True)
def signatory_section(context: template.Context, statement: Statement) -> SafeString:
    return render_section(context, "signatures/_section.html",
                          section_of(statement, context["request"]))
