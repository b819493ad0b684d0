"""``{% signatory_section statement %}``: the count, the first names and the sign form under a
statement, composed into the statement's page by its template (the statements app does not
import the signatures app: it sits below it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.utils.safestring import SafeString

from signatures.public import signatory_section as section_of

if TYPE_CHECKING:
    from statements.models import Statement

register = template.Library()


@register.simple_tag(takes_context=True)
def signatory_section(context: template.Context, statement: Statement) -> SafeString:
    assert context.template is not None  # set while a template renders this tag
    with context.push(section=section_of(statement, context["request"])):
        return context.template.engine.get_template("signatures/_section.html").render(context)
