"""The list as a PDF, with WeasyPrint: fast and in flat memory for 100,000 names.

* **Pieces, laid out in parallel.** WeasyPrint keeps a whole document's layout in memory, and
  lays out a long list in time that grows faster than its length. The list is cut into
  documents of about NAMES_PER_DOCUMENT names (each starts on a new page). This process reads
  the rows and makes each piece's HTML; a small pool of *spawned* processes (pdf_pieces: no
  Django in them) lays the pieces out at once, each written to a PDF file in a scratch folder.
* **Page numbers stamped on after.** A piece's first page number is only known once the pieces
  before it are laid out, so the pieces carry no footer. Once all are written and their pages
  counted, one light document of the footers alone (the title, "Page N of M" in the list's
  language) is laid out and stamped onto each page (pypdf ``merge_page``) as the pieces are
  joined.
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

import concurrent.futures
import contextlib
import hashlib
import multiprocessing
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
from django.utils.translation import gettext as _

from delivery import pdf_pieces
from delivery.handover import Entry, Handover, handover
from delivery.render import Part, paragraphs, parts
from statements.pages import statement_generation

NAMES_PER_DOCUMENT = 5000
LATIN_FAMILY = "Noto Sans"
ARABIC_FAMILY = "Noto Sans Arabic"


def font_files() -> dict[str, Path]:
    return {"latin": Path(fontpkg.path(LATIN_FAMILY)), "arabic": Path(fontpkg.path(ARABIC_FAMILY))}


def shipped_fonts_only() -> Any:
    """A URL fetcher for WeasyPrint that fetches the shipped fonts and nothing else."""
    return pdf_pieces.shipped_fonts_only(_font_paths())


def _font_paths() -> tuple[str, ...]:
    return tuple(str(path) for path in font_files().values())


def css_string(text: str) -> str:
    """``text`` as a CSS string literal that cannot end the string or the style element."""
    escaped = "".join(c if c.isprintable() and c not in '\\"<>' else f"\\{ord(c):x} "
                      for c in text)
    return f'"{escaped}"'


def _fonts_context() -> dict[str, str]:
    fonts = font_files()
    return {"latin_font": fonts["latin"].resolve().as_uri(),
            "arabic_font": fonts["arabic"].resolve().as_uri()}


def _documents(listing: Handover, names_per_document: int) -> Iterator[str]:
    """The list's HTML in documents of about ``names_per_document`` names each, without page
    numbers (they are stamped on once the pages are counted)."""
    # The headings and counts are in the interface's language; the statement's text carries
    # its own (delivery/_heading.html).
    language = get_language() or settings.LANGUAGE_CODE
    direction = "rtl" if get_language_bidi() else "ltr"
    head = (f'<!doctype html><html lang="{escape(language)}" dir="{direction}"><head>'
            f'<meta charset="utf-8"><title></title><style>'
            f'{render_to_string("delivery/pdf.css", _fonts_context())}</style></head><body>')
    gathered: list[str] = []
    names = 0
    part: Part
    for part in parts(listing, template="delivery/pdf_body.html", names=_names, request=None):
        if part.is_names and names >= names_per_document:
            yield head + "".join(gathered) + "</body></html>"
            gathered, names = [], 0
        gathered.append(part.html)
        names += part.names
    yield head + "".join(gathered) + "</body></html>"


def _names(chunk: list[Entry], mark: Callable[[Entry], str]) -> str:
    return '<div class="names">' + paragraphs(chunk, mark) + "</div>"


def page_number_content(total: int) -> str:
    """"Page N of M" in the active language, as a CSS ``content`` value: the page counter for N,
    ``total`` written out for M (the footers may be laid out in several ranges at once)."""
    marked = _("Page %(page)s of %(pages)s") % {"page": "\0page\0", "pages": f"{total}"}
    pieces = marked.split("\0")
    # Odd pieces are the counter's name, even ones the words around it.
    return " ".join("counter(page)" if index % 2 else css_string(piece)
                    for index, piece in enumerate(pieces) if index % 2 or piece)


def _footers_html(listing: Handover, first: int, last: int, total: int) -> str:
    """A document of empty pages numbered ``first`` to ``last`` of ``total``, with nothing but
    the list's footers: its title, "Page N of M"."""
    language = get_language() or settings.LANGUAGE_CODE
    direction = "rtl" if get_language_bidi() else "ltr"
    css = render_to_string("delivery/pdf_footer.css", {
        **_fonts_context(), "footer": css_string(listing.version.title[:120]),
        "page_number": page_number_content(total), "first_page": first})
    return (f'<!doctype html><html lang="{escape(language)}" dir="{direction}"><head>'
            f'<meta charset="utf-8"><title></title><style>{css}</style></head><body>'
            + "<div></div>" * (last - first + 1) + "</body></html>")


def _footer_ranges(total: int, workers: int) -> list[tuple[int, int]]:
    """The pages 1 to ``total`` in ``workers`` ranges (laying out 263 footers takes seconds)."""
    size = -(-total // workers)
    return [(first, min(first + size - 1, total)) for first in range(1, total + 1, size)]


# Pieces rendered at once, whatever the number of cores: each worker holds one piece's layout
# (≈ 100 MB for 5,000 names), and a web or task process should not take a whole large server.
MAX_WORKERS = 4


def pdf_workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def write_pdf(listing: Handover, output: BinaryIO, *,
              names_per_document: int = NAMES_PER_DOCUMENT, workers: int | None = None) -> int:
    """Write the list's PDF to ``output``; returns its number of pages.

    The HTML of each piece of about ``names_per_document`` names is made here (the rows read,
    the templates rendered in the active language); the pieces are laid out by WeasyPrint in
    ``workers`` spawned processes at once (``pdf_workers()`` by default; a list of one piece is
    laid out here, without a pool). The pieces carry no page numbers: once all are written and
    their pages counted, the footers alone ("Page N of M") are laid out — in one light document per
    worker, each a range of the pages — and stamped onto each page as the pieces are joined."""
    from pypdf import PdfReader, PdfWriter

    processes = workers or pdf_workers()
    pieces_expected = -(-(listing.organisations_named + listing.individuals_named)
                        // max(1, names_per_document))
    fonts = _font_paths()
    base_url = settings.BASE_URL

    def footers(total: int, scratch: str) -> list[tuple[str, str]]:
        """(html, file) of each range of footers, made here in the active language."""
        return [(_footers_html(listing, first, last, total),
                 os.path.join(scratch, f"footers-{first:05d}.pdf"))
                for first, last in _footer_ranges(total, processes)]

    with tempfile.TemporaryDirectory(prefix="handover-pdf-") as scratch:
        paths: list[str] = []
        documents = _documents(listing, names_per_document)
        if processes == 1 or pieces_expected <= 1:
            processes = 1
            total = 0
            for html in documents:
                paths.append(os.path.join(scratch, f"{len(paths):05d}.pdf"))
                total += pdf_pieces.render_piece(html, fonts, base_url, paths[-1])
                del html
            footer_files = []
            for html, path in footers(total, scratch):
                pdf_pieces.render_piece(html, fonts, base_url, path)
                footer_files.append(path)
        else:
            processes = min(processes, pieces_expected)
            total, footer_files = _render_in_pool(documents, fonts, base_url, scratch, paths,
                                                  processes, footers)
        stamps = [page for path in footer_files for page in PdfReader(path).pages]
        writer = PdfWriter()
        for path in paths:
            writer.append(path)
        for page, stamp in zip(writer.pages, stamps, strict=True):
            page.merge_page(stamp)
            # The merge leaves the page's drawing uncompressed (a PDF 15 times larger).
            page.compress_content_streams()
        writer.add_metadata({"/Title": listing.version.title, "/Creator": "undersigned"})
        writer.write(output)
    return total


def _render_in_pool(documents: Iterator[str], fonts: tuple[str, ...], base_url: str,
                    scratch: str, paths: list[str], workers: int,
                    footers: Callable[[int, str], list[tuple[str, str]]]) -> tuple[int, list[str]]:
    """Lay out the pieces in ``workers`` spawned processes, at most two pieces per worker
    waiting or in hand (the HTML of the rest is made as they finish: memory stays flat); then,
    the pages counted, the ranges of footers. Returns the number of pages and the footers' files."""
    # Spawned, not forked: a web or task process has threads, open database connections and
    # caches that a fork would copy half-way through; a spawned worker imports pdf_pieces alone.
    context = multiprocessing.get_context("spawn")
    pending: list[concurrent.futures.Future[int]] = []
    pages: list[int] = []
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        for _ in range(workers):  # the workers load WeasyPrint while the first piece is made
            pool.submit(pdf_pieces.warm, fonts)
        for html in documents:
            paths.append(os.path.join(scratch, f"{len(paths):05d}.pdf"))
            pending.append(pool.submit(pdf_pieces.render_piece, html, fonts, base_url,
                                       paths[-1]))
            del html
            while len(pending) - len(pages) > 2 * workers:
                pages.append(pending[len(pages)].result())
        pages.extend(future.result() for future in pending[len(pages):])
        total = sum(pages)
        ranges = footers(total, scratch)
        for future in [pool.submit(pdf_pieces.render_piece, html, fonts, base_url, path)
                       for html, path in ranges]:
            future.result()
    return total, [path for _html, path in ranges]


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
