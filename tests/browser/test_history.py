"""Issue 17, "What each signer signed", in a real browser with JavaScript off, on a 390 px
phone and a 1280 px desktop: from "Updated on …" to the history, the diff readable without
colour (struck through, underlined, and named for screen readers), two revisions compared with
the plain form, a right-to-left history laid out right to left, the lists that mark who signed
an earlier text; every page passes axe-core and nothing scrolls sideways. Screenshots go to
artifacts/screenshots/ as history-<what>-<width>.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from signatures.actions import do_confirm
from signatures.models import Signature
from statements.actions import do_save_statement, record_revisions
from statements.models import Statement, Translation
from tests.browser.conftest import BrowserSite, axe_violations
from tests.browser.test_first_screen import WIDTHS, open_at, screenshot
from tests.browser.test_reading import demo_statement

PAGE = "/en/s/water-is-life/"
HISTORY = "/en/s/water-is-life/history/en/"


def publish(statement: Statement) -> None:
    do_save_statement(statement, actor=None, created=False)


@pytest.fixture
def changed(transactional_db: None) -> Statement:
    """The demo's statement, published (revision 1), signed by two people, then changed twice
    in English (a word added; a word replaced and a sentence added) and once in Arabic."""
    statement = demo_statement()
    statement.show_signed_revision = True
    statement.signature_moderation = Statement.SignatureModeration.NONE
    statement.save()
    record_revisions(statement, actor=None)
    for n, name in enumerate(("Ana Early", "Bea Early")):
        do_confirm(Signature.objects.create(
            statement=statement, kind=Signature.Kind.INDIVIDUAL, name=name, country="Peru",
            email=f"early{n}@example.org", show_name=True, language="en"))
    statement.body = statement.body.replace("being sold off", "being sold off quietly", 1)
    publish(statement)
    statement.body += "\n\nWe will be back every week until the permits stop."
    statement.summary = statement.summary.replace("halt", "stop")
    publish(statement)
    arabic = statement.translations.get(language="ar")
    Translation.objects.filter(pk=arabic.pk).update(body=arabic.body + " الآن.")
    publish(statement)
    return statement


def no_sideways_scroll(page: Page, width: int) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_a_reader_finds_what_changed_and_compares_any_two_revisions(
        site: BrowserSite, changed: Statement, width: int) -> None:
    page = open_at(site, width)
    page.goto(PAGE)
    meta = page.locator(".statement header .meta")
    assert "Updated on" in meta.inner_text()
    meta.get_by_role("link", name="see what changed").click()
    page.wait_for_url(f"**{HISTORY}")

    assert page.get_by_role("heading", level=1).inner_text().startswith("History of “Water is")
    items = page.locator("ul.revisions li")
    assert items.count() == 3
    assert items.first.inner_text().startswith("Revision 3")
    assert "Changes from revision 2 to revision 3" in page.locator("#diff-heading").inner_text()
    added = page.locator(".diff ins").last
    assert "until the permits stop" in added.inner_text()
    # Readable without colour: the marks are lines, and screen readers hear their names.
    assert "underline" in added.evaluate("e => getComputedStyle(e).textDecorationLine")
    removed = page.locator(".diff del").first
    assert "line-through" in removed.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert removed.locator(".visually-hidden").first.text_content() == "[Removed: "
    assert added.locator(".visually-hidden").first.text_content() == "[Added: "
    no_sideways_scroll(page, width)
    screenshot(page, "history-latest")

    # The plain GET form: revision 1 against revision 3.
    page.select_option("#compare-from", "1")
    page.select_option("#compare-to", "3")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**?from=1&to=3")
    assert "Changes from revision 1 to revision 3" in page.locator("#diff-heading").inner_text()
    assert page.locator(".diff ins", has_text="quietly").count() == 1
    page.locator("#diff-heading").scroll_into_view_if_needed()
    no_sideways_scroll(page, width)
    screenshot(page, "history-compare")

    # Asking for the same revision twice: a clear message beside the form, nothing compared.
    page.select_option("#compare-from", "2")
    page.select_option("#compare-to", "2")
    page.get_by_role("button", name="Compare").click()
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "Choose two different revisions to compare."
    assert page.locator("#diff-heading").count() == 0
    assert page.locator("#compare-to").get_attribute("aria-invalid") == "true"


@pytest.mark.parametrize("width", WIDTHS)
def test_a_right_to_left_history_reads_right_to_left(
        site: BrowserSite, changed: Statement, width: int) -> None:
    page = open_at(site, width)
    page.goto("/en/s/water-is-life/ar/")
    page.locator(".statement header .meta").get_by_role("link", name="see what changed").click()
    page.wait_for_url("**/history/ar/")
    diff = page.locator(".diff-block").last
    assert diff.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert page.locator("html").get_attribute("dir") == "ltr"  # the interface stays English
    assert "الآن" in diff.locator("ins").inner_text()
    no_sideways_scroll(page, width)
    screenshot(page, "history-rtl")


@pytest.mark.parametrize("width", WIDTHS)
def test_history_pages_and_marked_lists_pass_axe(
        site: BrowserSite, changed: Statement, width: int) -> None:
    page = open_at(site, width)
    page.goto("/en/signatories/water-is-life/")
    entry = page.locator(".signatory-list li", has_text="Ana Early")
    assert "signed an earlier text: revision 1" in entry.inner_text()
    no_sideways_scroll(page, width)
    screenshot(page, "history-marked-list")
    urls = [PAGE, HISTORY, HISTORY + "?to=1", HISTORY + "?from=1&to=3",
            HISTORY + "?from=2&to=2", "/es/s/water-is-life/history/ar/",
            "/en/signatories/water-is-life/"]
    report = "".join(axe_violations(page, url) for url in urls)
    assert report == ""
