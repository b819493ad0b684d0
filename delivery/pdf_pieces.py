"""What the PDF's worker processes run: WeasyPrint on HTML that is already made, nothing else.

This module imports neither Django nor anything of the site's: the pool's processes are
*spawned* (a fresh interpreter, not a fork of a web or task process with its threads, database
connections and caches), import this module alone and get plain data — an HTML string, the two
font files, a file path to write. The parent reads the rows, renders the templates in the
active language and joins the results (delivery/pdf.py).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any


@functools.cache
def _fetcher_class() -> type:
    """WeasyPrint is imported when a PDF is first made, not when the site starts (it takes
    seconds to import, and most processes never make a PDF)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ShippedFontsOnly(URLFetcher):
        """Fetches the shipped font files and ``data:`` URLs; refuses anything else (a
        statement's image, a link someone put in the text): rendering never reaches the
        network or another file."""

        def __init__(self, fonts: tuple[str, ...]) -> None:
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
            self.allowed = {Path(path).resolve().as_uri(): Path(path) for path in fonts}

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = self.allowed.get(url)
            if path is not None:
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "font/ttf"})
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise ValueError(f"not fetched: {url[:80]}")

    return ShippedFontsOnly


def shipped_fonts_only(fonts: tuple[str, ...]) -> Any:
    """A URL fetcher for WeasyPrint that fetches the ``fonts`` files and nothing else."""
    return _fetcher_class()(fonts)


def render_piece(html: str, fonts: tuple[str, ...], base_url: str, path: str) -> int:
    """Lay out ``html`` and write it as a PDF to ``path``; returns its number of pages."""
    from weasyprint import HTML

    document = HTML(string=html, url_fetcher=shipped_fonts_only(fonts),
                    base_url=base_url).render()
    document.write_pdf(path)
    return len(document.pages)


def warm(fonts: tuple[str, ...]) -> None:
    """Loads WeasyPrint, the fonts and the font configuration in a new worker (seconds of a
    first render), while the parent is still reading the first piece's names."""
    from weasyprint import HTML

    faces = "".join(f'@font-face {{ font-family: "f{n}"; src: url("{Path(path).resolve().as_uri()}") }}'
                    for n, path in enumerate(fonts))
    families = ", ".join(f'"f{n}"' for n in range(len(fonts)))
    HTML(string=f"<style>{faces} p {{ font-family: {families} }}</style><p>Aa ا</p>",
         url_fetcher=shipped_fonts_only(fonts)).write_pdf()
