"""The list as HTML, in parts: the heading and the text, then each kind's names chunk by chunk,
then the counts of those not named. The printable page streams the parts; the PDF gathers them
into documents of a few thousand names (delivery/pdf.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _

from delivery.handover import Entry, Handover, entries, entry_text
from signatures.models import Signature

KINDS = (Signature.Kind.ORGANISATION, Signature.Kind.INDIVIDUAL)
MARKER = "<!--handover:{kind}-->"


@dataclass(frozen=True)
class Part:
    html: str
    names: int = 0
    # Names and nothing else: the PDF may start a new document before it.
    is_names: bool = False


def revision_mark() -> Callable[[Entry], str]:
    """The note after a signatory who confirmed an earlier revision, in the active language."""
    template = _("(signed revision %(number)s)")

    def mark(entry: Entry) -> str:
        if entry.earlier_revision is None:
            return ""
        return " " + template % {"number": entry.earlier_revision}
    return mark


def list_items(chunk: list[Entry], mark: Callable[[Entry], str]) -> str:
    """One ``<li>`` per signatory (the printable page)."""
    return "".join(f"<li>{escape(entry_text(entry) + mark(entry))}</li>" for entry in chunk)


# A paragraph the PDF's line breaker lays out in one go: WeasyPrint measures the rest of a
# paragraph for each line it breaks, so a long one costs the square of its length.
PARAGRAPH = 40


def paragraphs(chunk: list[Entry], mark: Callable[[Entry], str]) -> str:
    """Signatories one after the other, " · " between them, a paragraph every PARAGRAPH (the
    PDF: one box per paragraph instead of one per name is what makes 100,000 names fast)."""
    texts = [escape(entry_text(entry) + mark(entry)) for entry in chunk]
    return "".join("<p>" + " · ".join(texts[start:start + PARAGRAPH]) + "</p>"
                   for start in range(0, len(texts), PARAGRAPH))


Names = Callable[[list[Entry], Callable[[Entry], str]], str]


def parts(listing: Handover, *, template: str, names: Names, request: HttpRequest | None,
          context: dict | None = None) -> Iterator[Part]:
    """The page ``template`` (which includes delivery/_sections.html) rendered now, cut at
    its two markers, with each kind's names streamed in between as the result is read (a
    streamed response reads it after the view has returned: what depends on the request's
    language is settled before)."""
    page = render_to_string(template, {"listing": listing, "statement": listing.statement,
                                       **(context or {})}, request)
    return _parts(listing, page, names, revision_mark())


def _parts(listing: Handover, page: str, names: Names, mark: Callable[[Entry], str]
           ) -> Iterator[Part]:
    rest = page
    for kind in KINDS:
        marker = MARKER.format(kind=kind)
        if marker not in rest:  # nobody of this kind is named: the template left the list out
            continue
        before, _marker, rest = rest.partition(marker)
        yield Part(before)
        for chunk in entries(listing, kind):
            yield Part(names(chunk, mark), names=len(chunk), is_names=True)
    yield Part(rest)
