"""The share image of a statement: 1200 × 630, its title, who issued it and how many signed.

Social sites show it when the statement's link is posted (``og:image``). It is drawn with
Pillow in the fonts shipped as Python packages (Noto Sans for Latin, Greek and Cyrillic,
Quechua's and Aymara's letters and apostrophes included; Noto Sans Arabic for Arabic), shaped
by the libraqm that Pillow's wheel carries, and kept in the cache under everything it shows:

* the statement's row generations (``statements.pages.row_generations``): bumped when its text,
  issuers or a translation change, or an organisation is renamed;
* the count rounded to a visible step (``visible_count``): a new image when the number on it
  would change, not at every signature;
* the language of its labels and of its title, and ``CARD_VERSION`` (the drawing itself).

The image says nothing of any signer but the count.
"""

from __future__ import annotations

import functools
import hashlib
import io
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.images import pillow
from core.rendering import text_direction
from signatures.actions import counts
from statements.models import Statement

if TYPE_CHECKING:  # Pillow is imported where it draws (core.images.pillow)
    from PIL import ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
MAX_BYTES = 150 * 1024
# Bump when the drawing changes, so that kept images are drawn again.
CARD_VERSION = "1"
# Kept this long unless a change of the statement or of the count names another key first.
CACHE_SECONDS = 30 * 24 * 3600
CACHE_KEY = "reach:sharecard:{digest}"

MARGIN = 72
PAPER = (253, 252, 249)
INK = (27, 27, 27)
MUTED = (77, 74, 69)
ACCENT = (138, 28, 28)
TITLE_SIZES = (68, 60, 52, 46, 40)
TITLE_MAX_LINES = 4
ISSUERS_SIZE = 30
ISSUERS_MAX_LINES = 2
SITE_SIZE = 28
COUNT_SIZE = 44
LATIN_FAMILY = "Noto Sans"
ARABIC_FAMILY = "Noto Sans Arabic"
ELLIPSIS = "…"
PALETTE_COLOURS = 48


def visible_count(count: int) -> int:
    """The count as the image shows it: exact below 10, then down to the ten below 100,
    then down to two significant digits (120, 1,200, 12,000): a new image at most every
    tenth of the way to the next power of ten."""
    if count < 10:
        return max(count, 0)
    if count < 100:
        return count - count % 10
    step = 10 ** (len(str(count)) - 2)
    return count - count % step


def count_label(count: int) -> str:
    """What the image says of the count (``visible_count``'s number)."""
    shown = visible_count(count)
    number = number_format(shown, force_grouping=True)
    if shown == count and count < 10:
        return ngettext("%(count)s signature", "%(count)s signatures", shown) % {
            "count": number}
    return ngettext("%(count)s+ signature", "%(count)s+ signatures", shown) % {"count": number}


@dataclass(frozen=True)
class Card:
    """Everything the image shows; equal cards draw equal images."""

    title: str
    title_language: str
    issuers: tuple[str, ...]
    count: int  # already visible_count()
    site_name: str
    label_language: str  # the interface language of its words ("Issued by", "signatures")

    def cache_key(self, generations: tuple[str, ...], statement_id: int) -> str:
        return CACHE_KEY.format(digest=self.digest(generations, statement_id))

    def digest(self, generations: tuple[str, ...], statement_id: int) -> str:
        """Names the image (the cache key and the ETag) without drawing it."""
        parts = (CARD_VERSION, str(statement_id), *generations, self.title_language,
                 self.label_language, str(self.count), self.site_name)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


# --- text in two fonts ----------------------------------------------------------------------

def _is_arabic(char: str) -> bool:
    code = ord(char)
    return (0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0x08A0 <= code <= 0x08FF
            or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF)


def _is_strong(char: str) -> bool:
    return unicodedata.category(char)[0] == "L" or _is_arabic(char)


@dataclass(frozen=True)
class Run:
    """A stretch of one line in one font and one direction."""

    text: str
    arabic: bool


def runs_of(line: str, rtl: bool = False) -> list[Run]:
    """The line cut where the script changes between Arabic and the rest. Spaces, digits and
    punctuation stay inside a run of one script; between runs of two scripts they go with the
    run written in the paragraph's direction (a simplified bidi: enough for titles and
    names)."""
    runs: list[Run] = []
    pending = ""
    for char in line:
        if not _is_strong(char):
            pending += char
            continue
        arabic = _is_arabic(char)
        if runs and runs[-1].arabic == arabic:
            runs[-1] = Run(runs[-1].text + pending + char, arabic)
        elif runs and runs[-1].arabic == rtl:
            runs[-1] = Run(runs[-1].text + pending, runs[-1].arabic)
            runs.append(Run(char, arabic))
        else:
            runs.append(Run(pending + char, arabic))
        pending = ""
    if pending:
        if runs:
            runs[-1] = Run(runs[-1].text + pending, runs[-1].arabic)
        else:
            runs.append(Run(pending, False))
    return runs


@functools.lru_cache(maxsize=32)
def _font(family: str, size: int, bold: bool) -> ImageFont.FreeTypeFont:
    from fontpkg.pil import truetype
    from PIL import ImageFont

    return truetype(family, size, weight=700 if bold else 400,
                    layout_engine=ImageFont.Layout.RAQM)


@dataclass(frozen=True)
class Style:
    size: int
    bold: bool = False

    def font(self, arabic: bool) -> ImageFont.FreeTypeFont:
        return _font(ARABIC_FAMILY if arabic else LATIN_FAMILY, self.size, self.bold)

    def run_width(self, run: Run) -> float:
        return self.font(run.arabic).getlength(run.text, direction=_direction(run))

    def width(self, text: str) -> float:
        return sum(self.run_width(run) for run in runs_of(text))


def _direction(run: Run) -> str:
    return "rtl" if run.arabic else "ltr"


def wrap(text: str, style: Style, width: float, max_lines: int) -> list[str]:
    """Greedy word wrap; what does not fit in ``max_lines`` ends in an ellipsis."""
    lines: list[str] = []
    current = ""
    words = text.split()
    for word in words:
        candidate = f"{current} {word}" if current else word
        if style.width(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while style.width(current) > width:  # a word longer than the line: cut it
            cut = len(current)
            while cut > 1 and style.width(current[:cut]) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
        if len(lines) >= max_lines:
            return _ellipsise(lines[:max_lines], style, width)
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        return _ellipsise(lines[:max_lines], style, width)
    return lines


def _ellipsise(lines: list[str], style: Style, width: float) -> list[str]:
    last = lines[-1]
    while last and style.width(last + ELLIPSIS) > width:
        last = last[:-1].rstrip()
    return [*lines[:-1], last + ELLIPSIS]


def draw_line(draw: ImageDraw.ImageDraw, line: str, style: Style, baseline: float, rtl: bool,
              fill: tuple[int, int, int], language: str) -> None:
    """One line, its runs placed in visual order: right to left in a right-to-left
    paragraph, each run shaped in its own direction."""
    runs = runs_of(line, rtl)
    widths = [style.run_width(run) for run in runs]
    x = WIDTH - MARGIN - sum(widths) if rtl else MARGIN
    order = list(zip(runs, widths, strict=True))
    for run, run_width in reversed(order) if rtl else order:
        draw.text((x, baseline), run.text, font=style.font(run.arabic), fill=fill, anchor="ls",
                  direction=_direction(run), language="ar" if run.arabic else language)
        x += run_width


def _paragraph_rtl(text: str, language: str) -> bool:
    for char in text:
        if _is_strong(char):
            return _is_arabic(char)
    return text_direction(language) == "rtl"


# --- the card --------------------------------------------------------------------------------

TITLE_TOP = 140  # the first title line's top; the site's name is above it
COUNT_BASELINE = HEIGHT - 64
RULE_Y = COUNT_BASELINE - COUNT_SIZE - 30
TITLE_LEADING = 1.25
ISSUERS_LEADING = 1.35


def _fit_title(title: str, width: float, height: float) -> tuple[Style, list[str]]:
    """The largest size at which the title fits ``height`` whole; at the smallest, it is
    cut with an ellipsis."""
    for size in TITLE_SIZES:
        style = Style(size, bold=True)
        max_lines = min(TITLE_MAX_LINES, int(height // (size * TITLE_LEADING)))
        lines = wrap(title, style, width, max(max_lines, 1))
        if not lines[-1].endswith(ELLIPSIS):
            return style, lines
    return style, lines


def render(card: Card) -> bytes:
    """The PNG of one card: drawn in colour, then stored in a palette of a few dozen colours
    (flat colours and anti-aliased text need no more), which keeps it far below MAX_BYTES
    (about 25 KB)."""
    from PIL import ImageDraw

    Image = pillow()  # noqa: N806 (the module, named as everywhere else)
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    label_rtl = text_direction(card.label_language) == "rtl"
    width = WIDTH - 2 * MARGIN
    draw.rectangle((0, 0, WIDTH, 12), fill=ACCENT)

    site = Style(SITE_SIZE, bold=True)
    draw_line(draw, card.site_name, site, MARGIN + 10, _paragraph_rtl(card.site_name, "en"),
              ACCENT, card.label_language)

    # From the bottom up: the count, the rule above it, who issued it; the title takes the rest.
    issuer_style = Style(ISSUERS_SIZE)
    issuer_step = round(ISSUERS_SIZE * ISSUERS_LEADING)
    issuer_lines = wrap(_("Issued by %(names)s") % {"names": ", ".join(card.issuers)},
                        issuer_style, width, ISSUERS_MAX_LINES) if card.issuers else []
    issuers_top = RULE_Y - 24 - issuer_step * len(issuer_lines)
    title_style, title_lines = _fit_title(card.title, width, issuers_top - 16 - TITLE_TOP)
    title_rtl = _paragraph_rtl(card.title, card.title_language)
    line_height = round(title_style.size * TITLE_LEADING)
    baseline = TITLE_TOP + title_style.size
    for line in title_lines:
        draw_line(draw, line, title_style, baseline, title_rtl, INK, card.title_language)
        baseline += line_height

    baseline = issuers_top + ISSUERS_SIZE
    for line in issuer_lines:
        draw_line(draw, line, issuer_style, baseline, label_rtl, MUTED, card.label_language)
        baseline += issuer_step

    draw.line((MARGIN, RULE_Y, WIDTH - MARGIN, RULE_Y), fill=(217, 212, 202), width=2)
    draw_line(draw, count_label(card.count), Style(COUNT_SIZE, bold=True), COUNT_BASELINE,
              label_rtl, ACCENT, card.label_language)

    # A fast palette and zlib's default level: the slow median cut and maximal compression
    # took ten times as long for a file 10 % smaller.
    output = io.BytesIO()
    image.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE,
                   dither=Image.Dither.NONE).save(output, "PNG", compress_level=6)
    return output.getvalue()


def image_for(card: Card, key: str) -> bytes:
    """The card's PNG from the cache, drawn and kept on the first request for it."""
    png = cache.get(key)
    if png is None:
        png = render(card)
        cache.set(key, png, CACHE_SECONDS)
    return png


# --- the card of a statement -----------------------------------------------------------------

def version_languages(statement: Statement) -> list[str]:
    return [statement.language, *(t.language for t in statement.translations.all())]


def card_for(statement: Statement, language: str, label_language: str, site_name: str) -> Card:
    """The card of ``statement``'s version in ``language`` (which must be one of its versions),
    its words in ``label_language``. Counts only: no signer is named."""
    version = statement.version_for(language)
    return Card(title=version.title, title_language=version.language,
                issuers=tuple(org.name for org in statement.ordered_issuers()),
                count=visible_count(counts(statement).total), site_name=site_name,
                label_language=label_language)


def image_path(statement: Statement, language: str) -> str:
    """The image's stable address (under the current interface language, which its words
    are in)."""
    return reverse("reach:share-image", args=[statement.slug, language])
