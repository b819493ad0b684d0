"""Issue 2 in a real browser: a visitor with JavaScript off reads a statement, skips to its
content with the keyboard, reads it in Spanish and in Arabic; every page passes axe-core; no
request leaves the site."""

from __future__ import annotations

import gzip
import io

import pytest
from django.core.management import call_command
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from ops.management.commands.demo import DEMO_SLUG
from statements.forms import store_image
from statements.models import Statement, StatementImage, Translation
from tests.browser.conftest import (
    BrowserSite,
    NetworkLog,
    assert_no_axe_violations,
    axe_violations,
)
from tests.conftest import make_statement

BODY_EN = """The river that feeds our valley is being sold off, one permit at a time.

> Water is not a commodity. It is the condition of every other right.

![A drawn map of the valley, the river in blue](map.png "The valley. Credit: Cartografía Común")

## What we ask

1. Suspend the new extraction permits.
2. Publish every contract signed since 2020.

| | Permits in 2020 | Permits in 2025 |
| --- | :---: | :---: |
| Farms | 41 | 38 |
| Bottling plants | 2 | 17 |

{lang=es} ¡El agua es vida!
"""
BODY_ES = """El río que alimenta nuestro valle se está vendiendo, permiso a permiso.

> El agua no es una mercancía. Es la condición de todos los demás derechos.

## Lo que pedimos

1. Suspender los nuevos permisos de extracción.
2. Publicar todos los contratos firmados desde 2020.
"""
BODY_AR = """النهر الذي يغذي وادينا يُباع، تصريحًا بعد تصريح.

> الماء ليس سلعة. إنه شرط كل الحقوق الأخرى.

{lang=es} ¡El agua es vida!
"""


def photo_bytes(sky: str = "#9db8c7", land: str = "#c9b48a") -> bytes:
    image = Image.new("RGB", (960, 540), sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 330, 960, 540), fill=land)
    draw.ellipse((720, 50, 830, 160), fill="#f4e3a1")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def demo_statement() -> Statement:
    """A statement like the demo: two issuers, a category, a pull quote, a credited photo, an
    official Spanish translation and a community Arabic one."""
    statement = make_statement(
        "water-is-life", title="Water is life: stop the river sell-off", body=BODY_EN,
        summary="Forty organisations ask the regional government to halt new water permits.",
        issuers=("River Keepers", "Valley Farmers Union"), category="Opinion")
    image = StatementImage(statement=statement, source_name="riverbed.png",
                           alt="Neighbours carrying banners along the dry riverbed",
                           caption="The riverbed in August.", credit="El Buho")
    store_image(image, photo_bytes())
    image.save()
    drawing = StatementImage(statement=statement, source_name="map.png",
                             alt="A drawn map of the valley, the river in blue")
    store_image(drawing, photo_bytes("#e8e2d0", "#3d6f9c"))
    drawing.save()
    statement.featured_image = image
    statement.save()  # renders the body again, now that the image exists
    Translation.objects.create(
        statement=statement, language="es", kind=Translation.Kind.OFFICIAL,
        title="El agua es vida: detengan la venta del río", body=BODY_ES,
        summary="Cuarenta organizaciones piden detener los nuevos permisos de agua.")
    Translation.objects.create(
        statement=statement, language="ar", kind=Translation.Kind.COMMUNITY,
        title="الماء حياة: أوقفوا بيع النهر", body=BODY_AR)
    return statement


@pytest.fixture
def statement(transactional_db: None) -> Statement:
    return demo_statement()


def test_a_visitor_without_javascript_reads_the_statement_in_three_languages(
        site: BrowserSite, page: Page, network: NetworkLog, statement: Statement) -> None:
    page.goto("/")
    expect(page.locator("h1")).to_have_count(1)
    page.get_by_role("link", name="Water is life: stop the river sell-off").click()
    expect(page).to_have_url(site.absolute("/en/s/water-is-life/"))
    expect(page.locator("h1")).to_have_text("Water is life: stop the river sell-off")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # The photo loads (from the site itself: see the network check below), with its credit.
    photo = page.get_by_role("img", name="Neighbours carrying banners along the dry riverbed")
    expect(photo.first).to_be_visible()
    assert photo.first.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.get_by_text("Credit: El Buho").first).to_be_visible()

    # Keyboard: the first Tab lands on a visible "Skip to content"; Enter moves focus to main.
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to content")
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_attribute("id", "content")
    assert page.evaluate("() => document.activeElement.tagName") == "MAIN"
    # The next Tab continues inside the content, not back at the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    # ... and the element that has the focus shows it.
    outline = page.locator(":focus").evaluate(
        "el => [getComputedStyle(el).outlineStyle, parseFloat(getComputedStyle(el).outlineWidth)]")
    assert outline[0] != "none" and outline[1] >= 2

    # Spanish: the interface and the statement switch together.
    page.get_by_role("navigation", name="Interface language").get_by_role(
        "link", name="español").click()
    expect(page).to_have_url(site.absolute("/es/s/water-is-life/"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("El agua es vida: detengan la venta del río")
    expect(page.get_by_text("El agua no es una mercancía.")).to_be_visible()

    # Arabic, a community translation: laid out right to left, marked as such.
    page.locator("a[hreflang=ar]").first.click()
    expect(page).to_have_url(site.absolute("/es/s/water-is-life/ar/"))
    passage = page.locator("article[lang=ar]")
    expect(passage).to_have_attribute("dir", "rtl")
    assert passage.evaluate("el => getComputedStyle(el).direction") == "rtl"
    expect(page.locator("h1")).to_have_text("الماء حياة: أوقفوا بيع النهر")
    expect(passage.locator(".notice")).to_be_visible()  # "a community translation"
    # The right edge of the Arabic title lines up with the right edge of its text column.
    title = page.locator("h1").bounding_box()
    column = passage.bounding_box()
    assert title and column
    assert abs((title["x"] + title["width"]) - (column["x"] + column["width"])) < 2

    assert len(network.requests) > 5
    network.assert_only_own_requests()


def test_the_spanish_interface_speaks_spanish(page: Page, statement: Statement) -> None:
    page.goto("/es/s/water-is-life/")
    english = ["Skip to content", "Issued by", "Read in:", "Signed on:"]
    shown = page.locator("body").inner_text()
    assert [text for text in english if text in shown] == []


def test_interface_text_inside_the_arabic_version_keeps_its_own_direction(
        page: Page, statement: Statement) -> None:
    """The meta line, the language list and the community-translation notice are in the
    interface language: inside the right-to-left article they must still run left to right,
    or their punctuation jumps to the wrong end (".This is a community translation")."""
    page.goto("/en/s/water-is-life/ar/")
    for selector in ["article .meta", "article .versions", "article .notice"]:
        element = page.locator(selector).first
        expect(element).to_have_attribute("lang", "en")
        assert element.evaluate("el => getComputedStyle(el).direction") == "ltr", selector
    # The Spanish slogan inside the Arabic text is marked as Spanish, left to right.
    slogan = page.get_by_text("¡El agua es vida!")
    expect(slogan).to_have_attribute("lang", "es")
    assert slogan.evaluate("el => getComputedStyle(el).direction") == "ltr"


def test_every_page_passes_axe(site: BrowserSite, page: Page, statement: Statement) -> None:
    reports = [axe_violations(page, url) for url in [
        "/", "/es/",  # home, as the browser's language and in Spanish
        "/en/s/water-is-life/", "/es/s/water-is-life/", "/en/s/water-is-life/ar/",
        "/en/category/opinion/", "/es/organisation/valley-farmers-union/",
        "/en/no-such-page/",
    ]]
    problems = "\n".join(report for report in reports if report)
    assert not problems, problems


def test_the_demo_statement_passes_axe(page: Page, transactional_db: None) -> None:
    """What `make run` shows a newcomer first."""
    call_command("demo", stdout=io.StringIO())
    reports = [axe_violations(page, f"/{ui}/s/{DEMO_SLUG}/{version}")
               for ui, version in [("en", ""), ("es", ""), ("en", "ar/")]]
    problems = "\n".join(report for report in reports if report)
    assert not problems, problems


def test_the_axe_check_catches_a_violation(page: Page, statement: Statement) -> None:
    """The check itself can fail: an image without alternative text is reported."""
    def break_the_page(axe_page: Page) -> None:
        axe_page.evaluate("() => document.querySelector('main img').removeAttribute('alt')")
    with pytest.raises(pytest.fail.Exception, match="image-alt") as failure:
        assert_no_axe_violations(page, "/en/s/water-is-life/", prepare=break_the_page)
    assert "riverbed" in str(failure.value)  # the offending element is shown


def test_the_not_found_page_helps_the_visitor_on(page: Page) -> None:
    response = page.goto("/en/s/no-such-statement/")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    page.get_by_role("link", name="Go to the list of statements").click()
    expect(page.locator("h1")).to_have_text("Statements")


def test_the_network_log_blocks_and_reports_third_party_requests(site: BrowserSite) -> None:
    log = NetworkLog(site.url)
    context = site.browser.new_context(base_url=site.url, java_script_enabled=False)
    log.attach(context)
    page = context.new_page()
    page.goto("/healthz")
    page.set_content('<img src="https://cdn.example.com/pixel.png" alt="">'
                     '<link rel="stylesheet" href="/static/undersigned/site.css">')
    page.wait_for_load_state()
    context.close()
    assert log.foreign == ["https://cdn.example.com/pixel.png"]
    assert site.absolute("/static/undersigned/site.css") in log.requests
    with pytest.raises(AssertionError, match="cdn.example.com"):
        log.assert_only_own_requests()


def test_pages_open_with_javascript_off_unless_asked(site: BrowserSite, page: Page) -> None:
    script = "<title>before</title><script>document.title = 'after'</script>"
    page.set_content(script)
    assert page.title() == "before"
    js_page = site.new_page(javascript=True)
    js_page.set_content(script)
    assert js_page.title() == "after"


def test_the_one_stylesheet_is_small(page: Page) -> None:
    response = page.goto("/en/")
    assert response is not None and response.ok
    sheets = page.locator("link[rel=stylesheet]")
    expect(sheets).to_have_count(1)
    css = page.request.get(sheets.get_attribute("href") or "")
    assert css.ok and css.headers["content-type"].startswith("text/css")
    assert len(gzip.compress(css.body())) < 10_000


@pytest.mark.parametrize("width", [375, 1280])
def test_the_statement_page_fits_the_screen(site: BrowserSite, statement: Statement,
                                            width: int) -> None:
    page = site.new_page(viewport={"width": width, "height": 800})
    for url in ["/en/s/water-is-life/", "/en/s/water-is-life/ar/"]:
        page.goto(url)
        # Nothing scrolls sideways on a phone; lines stay short enough to read on a desktop.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        line = page.locator(".body p").first.bounding_box()
        assert line is not None
        assert line["width"] <= min(width, 760)
        font_size = page.locator(".body p").first.evaluate(
            "p => parseFloat(getComputedStyle(p).fontSize)")
        assert font_size >= 16
