"""``{% discussion_section statement %}``: the "Leave a reply" thread under a statement,
composed into the statement's page by its template (the statements app does not import the
comments app: it sits below it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.utils.safestring import SafeString

from comments.public import comment_section
from core.sections import render_section

if TYPE_CHECKING:
    from statements.models import Statement

register = template.Library()


@register.simple_tag(takes_context=True)
def discussion_section(context: template.Context, statement: Statement) -> SafeString:
    return render_section(context, "comments/_section.html", comment_section(statement, context["request"]))
