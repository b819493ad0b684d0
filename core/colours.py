"""Colours an editor chooses, checked against WCAG 2's contrast so that every page stays
readable (and passes axe-core) whatever the coalition's brand."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# WCAG 2 AA for normal text: the accent colours links on the page and sits behind white text.
MIN_CONTRAST = 4.5
PAPER = "#fdfcf9"  # the page's background (site.css --paper)


def rgb(colour: str) -> tuple[float, float, float]:
    return (int(colour[1:3], 16) / 255, int(colour[3:5], 16) / 255, int(colour[5:7], 16) / 255)


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of a #rrggbb colour."""
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4
    red, green, blue = (linear(c) for c in rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)),
                             reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def check_accent(value: str) -> None:
    """Refuse an accent that is not #rrggbb, or too light for white text on it and for links
    on the page's background: a refused colour is clearer to an editor than one quietly
    changed, and every page keeps passing the accessibility checks."""
    if not HEX_COLOUR.fullmatch(value or ""):
        raise ValidationError(_("Enter a colour as # and six hexadecimal digits, e.g. #8a1c1c."),
                              code="invalid")
    ratio = min(contrast(value, "#ffffff"), contrast(value, PAPER))
    if ratio < MIN_CONTRAST:
        raise ValidationError(
            _("This colour is too light: white text on it and links in it would be hard to "
              "read (contrast %(ratio)s to 1, at least 4.5 to 1 is needed). Choose a darker "
              "shade.") % {"ratio": f"{ratio:.1f}"}, code="contrast")
