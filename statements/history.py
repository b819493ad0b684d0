"""A statement's public history: the revisions of one language version and a readable diff
between two of them (docs/statements.md, "Revisions and history").

The diff is word-level, on the Markdown source as the editors wrote it (``difflib`` on word,
punctuation and whitespace tokens): a reader sees exactly which words were changed, and a
change of emphasis or of a link shows as the change of its markup rather than vanishing
into the rendering. Long unchanged stretches are shortened to their edges around the changes.

``diff_words`` and ``parse_comparison`` are pure; ``history_page`` reads the database (two
queries whatever the number of revisions) and returns what the template shows.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from core.rendering import text_direction
from statements.models import Revision, Statement

# A word (letters, digits and joiners of any script) or one other visible character
# (punctuation, Markdown's * # > [ ]), with the whitespace after it: the units a reader sees
# change. Only the word is compared; a change of the spacing alone is no change.
TOKEN = re.compile(r"(\w+(?:['’\-]\w+)*|[^\w\s])(\s*)")
LEADING_SPACE = re.compile(r"\s*")
# Unchanged words kept on each side of a change; a longer unchanged stretch between two changes
# keeps this many at each end and says how many it leaves out.
CONTEXT_WORDS = 30

Kind = Literal["same", "added", "removed", "skipped"]


@dataclass(frozen=True)
class Segment:
    """A stretch of the compared text: unchanged, added, removed, or left out (``skipped``,
    with ``words`` counting the unchanged words not shown)."""

    kind: Kind
    text: str = ""
    words: int = 0


def lines(text: str) -> list[str]:
    """The text's lines with their ends (normalised to a line feed)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").splitlines(keepends=True)


def tokens(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text's leading whitespace, and its words (or single other characters), each with
    the whitespace after it; joined again they are the text."""
    lead = LEADING_SPACE.match(text)
    return (lead.group() if lead else ""), TOKEN.findall(text)


def _is_word(piece: str) -> bool:
    return not piece.isspace()


def _shorten(same: list[str], *, leading: bool, trailing: bool) -> list[Segment]:
    """An unchanged stretch (pieces: a word and its spacing, or spacing alone), shortened to
    CONTEXT_WORDS words next to each change: ``leading`` when a change comes before it,
    ``trailing`` when one comes after."""
    if not (leading or trailing):  # nothing changed: the whole text is the point
        return [Segment("same", "".join(same))]
    word_positions = [i for i, piece in enumerate(same) if _is_word(piece)]
    keep_head = CONTEXT_WORDS if leading else 0
    keep_tail = CONTEXT_WORDS if trailing else 0
    if len(word_positions) <= keep_head + keep_tail + CONTEXT_WORDS // 2:
        return [Segment("same", "".join(same))]
    head_end = word_positions[keep_head - 1] + 1 if keep_head else 0
    tail_start = word_positions[-keep_tail] if keep_tail else len(same)
    skipped = len(word_positions) - keep_head - keep_tail
    segments = []
    if head_end:
        segments.append(Segment("same", "".join(same[:head_end])))
    segments.append(Segment("skipped", words=skipped))
    if tail_start < len(same):
        segments.append(Segment("same", "".join(same[tail_start:])))
    return segments


def _pieces(text: str) -> list[str]:
    """Unchanged text as pieces: its leading spacing, then each word with its spacing."""
    lead, pairs = tokens(text)
    return [lead, *(word + space for word, space in pairs)]


def _run(pairs: list[tuple[str, str]]) -> tuple[str, str]:
    """The words of a changed run as one piece, and the spacing after its last word."""
    text = "".join(word + space for word, space in pairs)
    stripped = text.rstrip()
    return stripped, text[len(stripped):]


def _diff_block(old: str, new: str, add: Callable[[Kind, list[str]], None]) -> None:
    """Word by word, within a stretch of lines that changed."""
    _old_lead, before = tokens(old)
    new_lead, after = tokens(new)
    matcher = difflib.SequenceMatcher(None, [word for word, _space in before],
                                      [word for word, _space in after], autojunk=False)
    add("same", [new_lead])
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            add("same", [word + space for word, space in after[j1:j2]])
            continue
        removed, removed_space = _run(before[i1:i2])
        added, added_space = _run(after[j1:j2])
        if removed:
            # Alone, a removed run keeps its spacing so the words around it stay apart.
            add("removed", [removed if added else removed + removed_space])
        if added:
            add("added", [added])
            add("same", [added_space])


def diff_words(old: str, new: str, *, shorten: bool = True) -> list[Segment]:
    """What changed from ``old`` to ``new``, word by word, in reading order: removed words
    come just before the words that replace them. Words are compared without their spacing
    (a line break moved or a double space is no change a reader would see); the new text's
    spacing is shown. Without ``shorten`` every unchanged word is kept.

    Lines are matched first and only the lines that changed are compared word by word: the
    cost grows with the size of the changes, not with the square of the text's length."""
    raw: list[tuple[Kind, list[str]]] = []

    def add(kind: Kind, pieces: list[str]) -> None:
        if not "".join(pieces):
            return
        if raw and raw[-1][0] == kind:
            raw[-1][1].extend(pieces)
        else:
            raw.append((kind, list(pieces)))

    old_lines, new_lines = lines(old), lines(new)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            add("same", _pieces("".join(new_lines[j1:j2])))
        else:
            _diff_block("".join(old_lines[i1:i2]), "".join(new_lines[j1:j2]), add)
    segments: list[Segment] = []
    for position, (kind, pieces) in enumerate(raw):
        if kind == "same" and shorten:
            segments.extend(_shorten(pieces, leading=position > 0,
                                     trailing=position < len(raw) - 1))
        else:
            segments.append(Segment(kind, "".join(pieces)))
    return segments


def segments_html(segments: list[Segment]) -> SafeString:
    """The diff as HTML: ``<ins>`` and ``<del>`` (underlined, struck through), each also named
    for screen readers in the interface's language, the text around it as it is. Built here
    rather than in a template loop: a long diff has hundreds of segments, and a template tag
    per segment was most of the page's first render."""
    language = escape(get_language() or "")
    added_label, removed_label = escape(_("Added:")), escape(_("Removed:"))
    added = f'<span class="visually-hidden" lang="{language}">[{added_label} </span>'
    removed = f'<span class="visually-hidden" lang="{language}">[{removed_label} </span>'
    close = '<span class="visually-hidden">]</span>'
    parts: list[str] = []
    for segment in segments:
        if segment.kind == "same":
            parts.append(escape(segment.text))
        elif segment.kind == "added":
            parts.append(f"<ins>{added}{escape(segment.text)}{close}</ins>")
        elif segment.kind == "removed":
            parts.append(f"<del>{removed}{escape(segment.text)}{close}</del>")
        else:
            left_out = ngettext("%(count)s unchanged word", "%(count)s unchanged words",
                                segment.words) % {"count": segment.words}
            parts.append(f'<span class="diff-skipped" lang="{language}">[… '
                         f"{escape(left_out)} …]</span>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def changed(segments: list[Segment]) -> bool:
    return any(segment.kind in ("added", "removed") for segment in segments)


# --- which two revisions a visitor asked for ----------------------------------------------------

class BadComparison(Exception):
    """The query asks for no comparison this history has; the message says why, to the
    visitor."""


@dataclass(frozen=True)
class Comparison:
    """Revision ``old`` against revision ``new`` (``old`` None: ``new`` as first published)."""

    old: int | None
    new: int


def _number(text: str, numbers: set[int]) -> int:
    """A revision number as the page's links write it (no sign, no leading zero, no space)
    and one this history has."""
    if not (text.isascii() and text.isdigit() and str(int(text)) == text):
        raise BadComparison(_("A revision is named by its number, such as 2."))
    number = int(text)
    if number not in numbers:
        raise BadComparison(_("There is no revision %(number)s of this text.")
                            % {"number": text})
    return number


def parse_comparison(old_text: str, new_text: str, numbers: list[int]) -> Comparison:
    """The comparison ``?from=…&to=…`` asks for among the revision ``numbers`` (newest first,
    not empty). Without ``to``, the newest; without ``from``, the revision before ``to``."""
    known = set(numbers)
    new = _number(new_text[:12], known) if new_text else numbers[0]
    if not old_text:
        return Comparison(old=new - 1 if new - 1 in known else None, new=new)
    old = _number(old_text[:12], known)
    if old == new:
        raise BadComparison(_("Choose two different revisions to compare."))
    if old > new:
        raise BadComparison(_("The first revision to compare must be the older one."))
    return Comparison(old=old, new=new)


# --- the page ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RevisionEntry:
    number: int
    created_at: datetime


@dataclass(frozen=True)
class FieldDiff:
    """One part of the text (title, summary or body) compared."""

    name: str
    segments: list[Segment]
    changed: bool
    block: bool  # shown as a block of text with its line breaks (the body, the summary)

    @property
    def html(self) -> SafeString:
        return segments_html(self.segments)


@dataclass
class HistoryPage:
    statement: Statement
    language: str
    direction: str
    revisions: list[RevisionEntry]
    comparison: Comparison | None = None
    fields: list[FieldDiff] = field(default_factory=list)
    error: str = ""

    @property
    def latest(self) -> RevisionEntry | None:
        return self.revisions[0] if self.revisions else None

    @property
    def compared_dates(self) -> tuple[datetime | None, datetime | None]:
        by_number = {entry.number: entry.created_at for entry in self.revisions}
        if self.comparison is None:
            return None, None
        old = by_number.get(self.comparison.old) if self.comparison.old else None
        return old, by_number.get(self.comparison.new)


def history_page(statement: Statement, language: str, old_text: str, new_text: str
                 ) -> HistoryPage:
    """The history of ``statement``'s ``language`` version, comparing what the query asks
    (``BadComparison`` stays on the page as its error, with nothing compared)."""
    revisions = [RevisionEntry(number, created_at) for number, created_at in
                 Revision.objects.filter(statement=statement, language=language)
                 .order_by("-number").values_list("number", "created_at")]
    page = HistoryPage(statement=statement, language=language,
                       direction=text_direction(language), revisions=revisions)
    if not revisions:
        if old_text or new_text:
            page.error = _("This text has no published revision yet.")
        return page
    try:
        page.comparison = parse_comparison(old_text, new_text,
                                           [entry.number for entry in revisions])
    except BadComparison as problem:
        page.error = str(problem)
        return page
    wanted = [n for n in (page.comparison.old, page.comparison.new) if n is not None]
    texts = {revision.number: revision for revision in
             Revision.objects.filter(statement=statement, language=language, number__in=wanted)
             .only("number", "title", "summary", "body")}
    new = texts[page.comparison.new]
    old = texts.get(page.comparison.old) if page.comparison.old else None
    for name, block in (("title", False), ("summary", True), ("body", True)):
        after = getattr(new, name)
        before = getattr(old, name) if old is not None else after
        segments = diff_words(before, after)
        if after or before:
            page.fields.append(FieldDiff(name, segments, changed(segments), block))
    return page
