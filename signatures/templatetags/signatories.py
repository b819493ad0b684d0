"""The sign-on parts of a statement's page, composed into it by its template (the statements
app does not import the signatures app: it sits below it):

* ``{% signing_summary statement %}``: the first screen's count, goal, deadline and Sign button
  (or why signing is closed), right under the title;
* ``{% signatory_section statement %}``: the sign form and the short list of who signed.

Both read one section (counters, the first names), computed once per page render."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template
from django.utils.safestring import SafeString

from core.sections import render_section
from signatures.public import signatory_section as section_of

if TYPE_CHECKING:
    from statements.models import Statement

register = template.Library()


def _section(context: template.Context, statement: Statement) -> dict[str, Any]:
    """The section of this statement for this render: the render context lives as long as
    the page's render, so the second tag reuses what the first read."""
    key = f"signatories.section:{statement.pk}"
    if key not in context.render_context:
        context.render_context[key] = section_of(statement, context["request"])
    section: dict[str, Any] = context.render_context[key]
    return section


@register.simple_tag(takes_context=True)
def signing_summary(context: template.Context, statement: Statement) -> SafeString:
    return render_section(context, "signatures/_summary.html", _section(context, statement))


@register.simple_tag(takes_context=True)
def signatory_section(context: template.Context, statement: Statement) -> SafeString:
    return render_section(context, "signatures/_section.html", _section(context, statement))
