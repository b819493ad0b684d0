"""Tags for the pages of the apps below this one, which load them instead of importing
``reach``: ``{% share_section statement %}``, the ways to pass a statement on (the signer's
page after confirming), and ``{% share_meta statement version versions %}``, the statement
page's OpenGraph and Twitter-card tags."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language, to_locale

from core.sections import render_section
from reach import sharecard
from reach.share import share_for
from statements.models import Statement

register = template.Library()


@register.simple_tag(takes_context=True)
def share_section(context: template.Context, statement: Statement) -> SafeString:
    return render_section(context, "reach/_share.html",
                          share_for(statement, get_language() or settings.LANGUAGE_CODE))


@register.simple_tag(takes_context=True)
def share_meta(context: template.Context, statement: Statement, version: Any,
               versions: Sequence[Any]) -> SafeString:
    """The OpenGraph and Twitter-card tags of a statement's page (``version`` is the one the
    page shows, ``versions`` all of them: ``statements.views.Version``). Counts only: the
    tags name no signer."""
    if not statement.is_public:
        return SafeString("")
    request = context["request"]
    image = reverse("reach:share-image", args=[statement.slug, version.language])
    return render_section(context, "reach/_meta.html", {
        "url": settings.BASE_URL + request.path,
        "image": settings.BASE_URL + image,
        "width": sharecard.WIDTH,
        "height": sharecard.HEIGHT,
        "locale": og_locale(version.language),
        "alternates": [og_locale(v.language) for v in versions
                       if v.language != version.language],
    })


def og_locale(language: str) -> str:
    """OpenGraph writes locales as language_TERRITORY (``pt-br`` → ``pt_BR``); a code with
    no territory stays a bare language."""
    return to_locale(language)
