"""Statement Markdown becomes safe HTML with what such texts need; nothing else gets through."""

from __future__ import annotations

import pytest

from core.rendering import ResolvedImage, render_statement

PHOTO = ResolvedImage(src="/media/images/march-abc-1600.webp",
                      srcset="/media/images/march-abc-480.webp 480w, "
                             "/media/images/march-abc-1600.webp 1600w",
                      width=1600, height=900, credit="")


def resolve(src: str) -> ResolvedImage | None:
    return PHOTO if src.endswith("march.jpg") else None


def test_block_quote_becomes_a_pull_quote():
    html = render_statement("Before.\n\n> Water is not for sale.\n\nAfter.")
    assert '<blockquote class="pull-quote">' in html
    assert "Water is not for sale." in html


def test_headings_are_shifted_below_the_page_title_without_skipping_levels():
    html = render_statement("# Our demands\n\n## First\n\n###### Deepest")
    assert "<h1" not in html
    assert "<h2>Our demands</h2>" in html and "<h3>First</h3>" in html
    assert "<h4>Deepest</h4>" in html


def test_a_text_starting_at_level_two_starts_at_h2():
    html = render_statement("## What we ask\n\n#### Details")
    assert "<h2>What we ask</h2>" in html and "<h3>Details</h3>" in html


def test_an_empty_table_corner_is_not_a_header_cell():
    html = render_statement("| | 2025 |\n|---|---|\n| Budget | 10 |")
    assert "<th></th>" not in html and "<td></td>" in html
    assert "<th>2025</th>" in html


def test_lone_image_becomes_a_figure_with_srcset_caption_and_credit():
    html = render_statement('![Marchers on the bridge](march.jpg "Dawn on the bridge. Credit: El Búho")',
                            resolve)
    assert html.startswith("<figure>")
    assert 'srcset="/media/images/march-abc-480.webp 480w, /media/images/march-abc-1600.webp 1600w"' in html
    assert 'alt="Marchers on the bridge"' in html
    assert 'width="1600" height="900"' in html
    assert "<figcaption>Dawn on the bridge." in html
    assert '<small class="credit">Credit: El Búho</small>' in html


def test_image_credit_stored_with_the_upload_is_used_when_the_text_gives_none():
    credited = ResolvedImage(PHOTO.src, PHOTO.srcset, 10, 10, credit="Ana Ruiz")
    html = render_statement("![A river](march.jpg)", lambda src: credited)
    assert "Credit: Ana Ruiz" in html


def test_credit_label_is_translated(settings):
    from django.utils import translation

    with translation.override("es"):
        html = render_statement('![A](march.jpg "Río. Credit: El Búho")', resolve)
    assert "Crédito: El Búho" in html


def test_unknown_image_shows_its_description_instead():
    html = render_statement("![A photo we do not have](missing.jpg)", resolve)
    assert "<img" not in html
    assert "[A photo we do not have]" in html


@pytest.mark.parametrize("text", [
    "![Tracking pixel](https://tracker.example/pixel.gif)",
    "Inline ![pixel](https://tracker.example/pixel.gif) in a sentence.",
    "![pixel](//tracker.example/pixel.gif)",
    "[![pixel](http://tracker.example/p.png)](https://example.org)",
])
def test_external_images_are_never_requested(text):
    html = render_statement(text, resolve)
    assert "tracker.example" not in html


def test_tables_render_with_alignment_as_classes_not_inline_styles():
    html = render_statement("| Place | Signers |\n| :--- | ---: |\n| Quito | 1200 |\n")
    assert "<table>" in html and "<th" in html and "<td" in html
    assert 'class="align-right"' in html
    assert "style=" not in html


@pytest.mark.parametrize("text, forbidden", [
    ("<script>alert(1)</script>", "<script"),
    ('<img src=x onerror="alert(1)">', "<img"),
    ('<a href="https://example.org" onclick="steal()">x</a>', "<a "),
    ("<iframe src='https://example.org'></iframe>", "<iframe"),
    ('<div style="position:fixed">overlay</div>', "<div"),
])
def test_raw_html_is_shown_as_text_never_passed_through(text, forbidden):
    html = render_statement(text)
    assert forbidden not in html
    assert "&lt;" in html  # the editor sees what they typed, as text


@pytest.mark.parametrize("link", [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "[click](vbscript:msgbox)",
])
def test_dangerous_link_schemes_are_dropped(link):
    html = render_statement(f"Do not {link} here.")
    assert "click" in html
    assert "<a" not in html and "href" not in html


def test_ordinary_links_keep_their_address():
    html = render_statement("[our site](https://example.org/a?b=c) and <mailto:press@example.org>")
    assert 'href="https://example.org/a?b=c"' in html
    assert 'href="mailto:press@example.org"' in html


def test_passage_in_another_language_is_marked():
    html = render_statement("We stand.\n\n{lang=es} ¡No pasarán!\n\n{lang=ar} الماء حياة")
    assert '<p lang="es" dir="ltr">¡No pasarán!</p>' in html
    assert '<p lang="ar" dir="rtl">الماء حياة</p>' in html
    assert "{lang=" not in html


def test_language_mark_is_only_read_at_the_start_of_a_paragraph():
    html = render_statement("Write {lang=es} to mark a passage.")
    assert "lang=" not in html.split(">", 1)[0]
    assert "{lang=es}" in html


def test_emphasis_lists_and_typography():
    html = render_statement("*We* **demand**:\n\n- water\n- land\n\n1. first\n2. second")
    assert "<em>We</em>" in html and "<strong>demand</strong>" in html
    assert "<ul>" in html and "<ol>" in html
