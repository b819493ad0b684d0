"""The list as a PDF, with WeasyPrint: fast and in flat memory for 100,000 names.

* **Chunks.** WeasyPrint keeps a whole document's layout in memory, and lays out a long list
  in time that grows faster than its length. The list is rendered as a run of small documents
  of about NAMES_PER_DOCUMENT names each (each starts on a new page, its page numbers following
  on from the one before), each written to PDF and appended to the output with pypdf, then
  dropped: memory holds one chunk's layout and the (small) PDF written so far.
* **Compact.** The names run on in paragraphs, " · " between them, in a small size: one box per
  paragraph instead of one per name, and about 350 names to an A4 page.
* **Fonts shipped with the site.** Noto Sans and Noto Sans Arabic come from Python packages
  (fontpkg-noto-sans, fontpkg-noto-sans-arabic, as for the share image) through @font-face
  with file URLs. The URL fetcher refuses everything but those two files and inline data:
  the statement's text cannot make the server fetch anything (its images are left out).
* **Cache.** A rendered PDF is kept in the data directory (never in the public media) per
  statement, language and generation of the statement's pages; see ``cached_pdf``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import fontpkg
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import get_language, get_language_bidi

from delivery.handover import Entry, Handover, handover
from delivery.render import Part, paragraphs, parts
from statements.pages import statement_generation

NAMES_PER_DOCUMENT = 5000
LATIN_FAMILY = "Noto Sans"
ARABIC_FAMILY = "Noto Sans Arabic"


def font_files() -> dict[str, Path]:
    return {"latin": Path(fontpkg.path(LATIN_FAMILY)), "arabic": Path(fontpkg.path(ARABIC_FAMILY))}


@functools.cache
def _fetcher_class() -> type:
    """WeasyPrint is imported when a PDF is first made, not when the site starts (it takes
    seconds to import, and most processes never make a PDF)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ShippedFontsOnly(URLFetcher):
        """Fetches the two shipped font files and ``data:`` URLs; refuses anything else (a
        statement's image, a link someone put in the text): rendering never reaches the
        network or another file."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
            self.allowed = {path.resolve().as_uri(): path for path in font_files().values()}

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = self.allowed.get(url)
            if path is not None:
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "font/ttf"})
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise ValueError(f"not fetched: {url[:80]}")

    return ShippedFontsOnly


def shipped_fonts_only() -> Any:
    """A URL fetcher for WeasyPrint that fetches the shipped fonts and nothing else."""
    return _fetcher_class()()


def css_string(text: str) -> str:
    """``text`` as a CSS string literal that cannot end the string or the style element."""
    escaped = "".join(c if c.isprintable() and c not in '\\"<>' else f"\\{ord(c):x} "
                      for c in text)
    return f'"{escaped}"'


def _stylesheet(listing: Handover, first_page: int) -> str:
    fonts = font_files()
    return render_to_string("delivery/pdf.css", {
        "latin_font": fonts["latin"].resolve().as_uri(),
        "arabic_font": fonts["arabic"].resolve().as_uri(),
        "footer": css_string(listing.version.title[:120]),
        "first_page": first_page,
    })


def _documents(listing: Handover) -> Iterator[tuple[list[str], int]]:
    """The parts gathered into documents of about NAMES_PER_DOCUMENT names: (html parts, names)."""
    gathered: list[str] = []
    names = 0
    part: Part
    for part in parts(listing, template="delivery/pdf_body.html", names=_names, request=None):
        if part.is_names and names >= NAMES_PER_DOCUMENT:
            yield gathered, names
            gathered, names = [], 0
        gathered.append(part.html)
        names += part.names
    yield gathered, names


def _names(chunk: list[Entry], mark: Callable[[Entry], str]) -> str:
    return '<div class="names">' + paragraphs(chunk, mark) + "</div>"


def write_pdf(listing: Handover, output: BinaryIO) -> int:
    """Write the list's PDF to ``output``; returns its number of pages."""
    from pypdf import PdfWriter
    from weasyprint import HTML

    writer = PdfWriter()
    fetcher = shipped_fonts_only()
    pages = 0
    # The headings and counts are in the interface's language; the statement's text carries
    # its own (delivery/_heading.html).
    language = get_language() or settings.LANGUAGE_CODE
    direction = "rtl" if get_language_bidi() else "ltr"
    for body, _names_in_it in _documents(listing):
        html = (f'<!doctype html><html lang="{escape(language)}" dir="{direction}"><head>'
                f'<meta charset="utf-8"><title></title>'
                f"<style>{_stylesheet(listing, pages + 1)}</style></head><body>"
                + "".join(body) + "</body></html>")
        document = HTML(string=html, url_fetcher=fetcher, base_url=settings.BASE_URL)
        chunk = io.BytesIO(document.write_pdf())
        del document, html
        before = len(writer.pages)
        writer.append(chunk)
        pages += len(writer.pages) - before
    writer.add_metadata({"/Title": listing.version.title, "/Creator": "undersigned"})
    writer.write(output)
    return pages


# --- the kept PDFs ---------------------------------------------------------------------------

# The public gets a PDF at most this old when the list has changed since (every sign-on changes
# it): on a busy day one render per statement and language every ten minutes, whatever the
# number of requests. Editors always get the list as it is now.
PUBLIC_REFRESH_SECONDS = 600
# One render at a time per statement and language; a render that dies frees it after this.
LOCK_SECONDS = 300


class Busy(Exception):
    """Another request is rendering this PDF and there is none to give meanwhile."""


def pdf_dir() -> Path:
    """Private: under the data directory, outside the media that is served to anyone."""
    return Path(settings.DATA_DIR) / "private" / "handover"


def _prefix(statement_id: int, language: str) -> str:
    """Per statement, language of the text and language of the headings (the interface's)."""
    return f"{statement_id}-{language}-{get_language() or settings.LANGUAGE_CODE}-"


def _pattern(statement_id: int, language: str) -> str:
    """The kept files of one statement and languages ("es" must not find "es-ar")."""
    return _prefix(statement_id, language) + "?" * DIGEST_LENGTH + ".pdf"


DIGEST_LENGTH = 20


def _current_path(statement_id: int, created: str, language: str) -> Path:
    # The statement's creation time too: a test database (or a restore) may reuse its id.
    key = f"{statement_id}:{created}:{statement_generation(statement_id)}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:DIGEST_LENGTH]
    return pdf_dir() / f"{_prefix(statement_id, language)}{digest}.pdf"


def _newest(statement_id: int, language: str) -> Path | None:
    found = sorted(pdf_dir().glob(_pattern(statement_id, language)),
                   key=lambda path: path.stat().st_mtime, reverse=True)
    return found[0] if found else None


def cached_pdf(statement: Any, language: str, *, fresh: bool) -> Path:
    """The list's PDF file, rendered when needed. ``fresh`` (editors): the list as it is now.
    Otherwise (the public) one rendered less than PUBLIC_REFRESH_SECONDS ago will do. Raises
    Busy when another request is rendering it and there is nothing to give meanwhile."""
    listing_language = language or statement.language
    current = _current_path(statement.pk, statement.created_at.isoformat(), listing_language)
    if current.exists():
        return current
    newest = _newest(statement.pk, listing_language)
    if not fresh and newest is not None and time.time() - newest.stat().st_mtime < (
            PUBLIC_REFRESH_SECONDS):
        return newest
    lock = f"delivery:pdf-render:{statement.pk}:{listing_language}"
    if not cache.add(lock, 1, timeout=LOCK_SECONDS):
        if not fresh and newest is not None:
            return newest
        raise Busy(lock)
    try:
        return _render_to(current, handover(statement, language))
    finally:
        cache.delete(lock)


def _render_to(path: Path, listing: Handover) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as output:
            write_pdf(listing, output)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    for older in pdf_dir().glob(_pattern(listing.statement.pk, listing.language)):
        if older != path:
            with contextlib.suppress(FileNotFoundError):
                older.unlink()
    return path
