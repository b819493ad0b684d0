"""Charts drawn as SVG on the server: no JavaScript, nothing fetched, readable without colour.

Pure functions from numbers and labels to markup: every chart is an ``<svg role="img">`` with
an ``aria-label``, a ``<title>`` and a ``<desc>``; its axes and bars carry their labels as text
(value labels on every bar when there is room for them, otherwise a labelled value axis with
grid lines); and the same figures come back as rows for the data table the template puts under
it. Every label is escaped here: country names are whatever signers typed.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

INK = "#1f1f1f"
BAR = "#35557a"  # 7.3:1 on white: the bars stand out without relying on hue
GRID = "#c8c8c8"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'

# Value labels are written on the bars up to this many columns; beyond, the value axis and
# the table carry the figures.
MAX_LABELLED_COLUMNS = 31
# Axis labels under the columns: at most this many, evenly spread.
MAX_AXIS_LABELS = 12
# Long labels (countries are free text) are cut in the drawing; the table has them whole.
MAX_LABEL_CHARACTERS = 22


@dataclass(frozen=True)
class Bar:
    label: str  # under the column, or left of the bar: short
    value: int
    # The full name of the bar, for its tooltip and the table ("Thursday 3 December, 14:00").
    name: str = ""
    # What is written by the bar, when not the value itself ("812 (81 %)").
    text: str = ""
    # The table row's cells after the name; the value alone when empty.
    cells: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return self.name or self.label

    @property
    def value_text(self) -> str:
        return self.text or number(self.value)


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    svg: SafeString
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def table(self) -> SafeString:
        """The data table: a caption, a header row and one row per bar, the first cell a row
        header. Written here rather than by template loops: a chart of 48 hours has 150 cells,
        and the template language costs ~10 µs per tag."""
        head = "".join(f'<th scope="col">{escape(header)}</th>' for header in self.headers)
        body = "".join(
            f'<tr><th scope="row">{escape(row[0])}</th>'
            + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:]) + "</tr>"
            for row in self.rows)
        return mark_safe(  # noqa: S308 - every value escaped above
            f"<table><caption>{escape(self.description)}</caption><thead><tr>{head}</tr>"
            f"</thead><tbody>{body}</tbody></table>")


@functools.cache
def _separator(language: str | None) -> str:
    """The thousands separator of the language, read once from Django's format files."""
    return number_format(1000, force_grouping=True)[1:-3]


def number(value: int) -> str:
    """``1,234,567`` in English, ``1.234.567`` in Spanish (Django's grouping in threes)."""
    return f"{value:,}".replace(",", _separator(get_language()))


def nice_top(largest: int) -> tuple[int, int]:
    """The top of the value axis and its step: four steps of 1, 2 or 5 × 10ⁿ reaching at
    least ``largest`` (an axis of whole sign-ons, so never a step below one)."""
    if largest <= 0:
        return 4, 1
    rough = largest / 4
    magnitude = 10 ** math.floor(math.log10(rough)) if rough >= 1 else 1
    step = next((m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough), 10 * magnitude)
    step = max(int(step), 1)
    return step * math.ceil(largest / step), step


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_LABEL_CHARACTERS else text[:MAX_LABEL_CHARACTERS - 1] + "…"


def _open(title: str, description: str, width: int, height: int) -> list[str]:
    label = escape(f"{title}. {description}")
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'aria-label="{label}" viewBox="0 0 {width} {height}" width="100%" '
            f'preserveAspectRatio="xMinYMin meet" {FONT} fill="{INK}">',
            f"<title>{escape(title)}</title>", f"<desc>{escape(description)}</desc>"]


def _table(bars: Sequence[Bar]) -> list[tuple[str, ...]]:
    return [(bar.full_name, *(bar.cells or (bar.value_text,))) for bar in bars]


def column_chart(title: str, description: str, bars: Sequence[Bar], *,
                 headers: tuple[str, ...], width: int = 720, height: int = 260) -> Chart:
    """Columns over time (hours, days): a labelled value axis, labels under the columns,
    value labels on them when they fit."""
    left, right, top, bottom = 52, 8, 22, 44
    plot_width, plot_height = width - left - right, height - top - bottom
    axis_top, step = nice_top(max((bar.value for bar in bars), default=0))
    parts = _open(title, description, width, height)
    for tick in range(0, axis_top + 1, step):
        y = top + plot_height - plot_height * tick / axis_top
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f"{escape(number(tick))}</text>")
    slot = plot_width / max(len(bars), 1)
    labelled = len(bars) <= MAX_LABELLED_COLUMNS
    every = max(1, math.ceil(len(bars) / MAX_AXIS_LABELS))
    for index, bar in enumerate(bars):
        x = left + slot * index
        bar_height = plot_height * bar.value / axis_top
        y = top + plot_height - bar_height
        middle = x + slot / 2
        parts.append(f"<g><title>{escape(bar.full_name)}: {escape(bar.value_text)}</title>"
                     f'<rect x="{x + slot * 0.15:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{bar_height:.1f}" fill="{BAR}"/></g>')
        if labelled and bar.value:
            parts.append(f'<text x="{middle:.1f}" y="{y - 4:.1f}" text-anchor="middle">'
                         f"{escape(bar.value_text)}</text>")
        if index % every == 0:
            parts.append(f'<text x="{middle:.1f}" y="{top + plot_height + 16}" '
                         f'text-anchor="middle">{escape(_shorten(bar.label))}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_height}" '
                 f'y2="{top + plot_height}" stroke="{INK}" stroke-width="1"/>')
    parts.append("</svg>")
    return Chart(title, description, mark_safe("".join(parts)),  # noqa: S308 - escaped above
                 headers, _table(bars))


def bar_chart(title: str, description: str, bars: Sequence[Bar], *,
              headers: tuple[str, ...], width: int = 560) -> Chart:
    """Horizontal bars for categories (kinds, countries, languages): the name left of each
    bar, its value (or ``text``) right of it."""
    label_width, value_width, row, top = 170, 110, 28, 8
    height = top * 2 + row * max(len(bars), 1)
    plot_width = width - label_width - value_width
    largest = max((bar.value for bar in bars), default=0) or 1
    parts = _open(title, description, width, height)
    for index, bar in enumerate(bars):
        y = top + row * index
        length = plot_width * bar.value / largest
        parts.append(f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end">'
                     f"{escape(_shorten(bar.label))}</text>")
        parts.append(f"<g><title>{escape(bar.full_name)}: {escape(bar.value_text)}</title>"
                     f'<rect x="{label_width}" y="{y + 5}" width="{length:.1f}" height="18" '
                     f'fill="{BAR}"/></g>')
        parts.append(f'<text x="{label_width + length + 6:.1f}" y="{y + 18}">'
                     f"{escape(bar.value_text)}</text>")
    parts.append(f'<line x1="{label_width}" x2="{label_width}" y1="{top}" '
                 f'y2="{height - top}" stroke="{INK}" stroke-width="1"/>')
    parts.append("</svg>")
    return Chart(title, description, mark_safe("".join(parts)),  # noqa: S308 - escaped above
                 headers, _table(bars))
