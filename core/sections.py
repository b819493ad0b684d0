"""Parts of a page that another app renders into it (the statement page's sign-on section and
discussion), through a template tag of that app: the app that owns the page does not import
the one that owns the part."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString


def render_section(context: template.Context, template_name: str, section: Any) -> SafeString:
    """Render ``template_name`` with the page's context and ``section`` added, as
    ``{% include template_name with section=… %}`` would."""
    page_template = context.template
    assert page_template is not None  # a tag always renders inside a template
    with context.push(section=section):
        return page_template.engine.get_template(template_name).render(context)
