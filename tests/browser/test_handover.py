"""The list to hand over and the deliveries page in a real browser, JavaScript off: readable at
390 px and on a desktop, axe-core finds nothing, and printed (print media) the list loses the
site's header and footer. Screenshots go to artifacts/screenshots/ (git-ignored)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from delivery import actions as delivery_actions
from tests.browser.conftest import REPO, assert_no_axe_violations
from tests.conftest import make_statement
from tests.delivery.conftest import sign

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "artifacts" / "screenshots"
PRINT = "/en/handover/water-is-life/"
DELIVERIES = "/en/deliveries/water-is-life/"


@pytest.fixture
def published(transactional_db, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    statement = make_statement(public_handover_list=True)
    for n in range(40):
        sign(statement, f"Signer number {n} with a long name", n=n,
             organisation_name=f"Water Committee {n}", country="Bolivia")
    sign(statement, "ليلى أحمد", n=50, country="Egypt")
    sign(statement, "Quiet One", n=51, show_name=False)
    sign(statement, "Rep", kind="organisation", n=52, organisation_name="Andes Federation",
         country="Peru")
    delivery_actions.do_record_delivery(
        statement, recipient="Ministry of Water", delivered_on=date(2026, 11, 20),
        method="by-hand", method_detail="", actor=None,
        handed_over=delivery_actions.HandedOver("list.pdf", 123456, "c" * 64))
    return statement


@pytest.mark.parametrize("width", [390, 1280])
def test_the_printable_list_reads_well_and_prints_without_the_site(site, published, width):
    page = site.new_page(viewport={"width": width, "height": 844})
    page.goto(site.absolute(PRINT))
    assert page.locator("h1").inner_text() == "Water is life"
    assert page.get_by_text("Andes Federation").is_visible()
    assert page.get_by_text("and 1 person who chose not to be named").is_visible()
    assert "Quiet One" not in page.content()
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"handover-{width}.png"))
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".site-footer").is_visible()
    assert not page.locator(".handover-tools").is_visible()
    page.screenshot(path=str(SCREENSHOTS / f"handover-print-{width}.png"), full_page=True)
    assert_no_axe_violations(page, PRINT)


def test_the_deliveries_page_and_its_check_form(site, published):
    page = site.new_page(viewport={"width": 390, "height": 844})
    page.goto(site.absolute(DELIVERIES))
    assert page.get_by_text("To Ministry of Water on Nov. 20, 2026").is_visible()
    page.get_by_label("Or its SHA-256").fill("c" * 64)
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("This file matches the delivery to Ministry of Water")).to_be_visible()
    # Measured once the answer's stylesheet applies: right after the click the text can be laid
    # out before it, the 64-letter hash unbroken (seen in CI: 589 px wide).
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "deliveries-390.png"), full_page=True)
    assert_no_axe_violations(page, DELIVERIES)
    site.network.assert_only_own_requests()
