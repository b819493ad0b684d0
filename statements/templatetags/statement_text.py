"""A statement's words on the pages around it, in the reader's language where they exist.

The pages around a statement (sign, confirm, manage, the list, the discussion, "your data")
name it by its title in the interface language when a translation gives one; otherwise by the
original title, marked with its own ``lang`` and ``dir`` so that screen readers pronounce it
right and a right-to-left title is laid out right to left inside a left-to-right page.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from core.rendering import text_direction
from statements.models import Statement

register = template.Library()


@register.filter
def in_language(text: str, language: str) -> SafeString:
    """``text`` (escaped), marked as ``language`` when that is not the page's."""
    if not language or language == (get_language() or settings.LANGUAGE_CODE):
        return conditional_escape(text)
    return format_html('<span lang="{}" dir="{}">{}</span>', language,
                       text_direction(language), text)


@register.filter
def shown_title(statement: Statement) -> SafeString:
    """The statement's title for the page's language, marked when it is in another one."""
    version = statement.shown
    return in_language(version.title, version.language)
