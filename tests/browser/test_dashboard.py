"""The editors' dashboard and the statement page's per-day chart in a real browser, JavaScript
off, at 1280 px and on a 390 px phone: the charts are drawn and fit the screen, and axe-core
finds nothing. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from signatures import actions, tallies
from signatures.models import Signature
from statements.models import Statement
from tests.browser.conftest import BrowserSite, axe_violations
from tests.browser.test_first_screen import WIDTHS, editor_page, open_at, screenshot
from tests.conftest import make_statement

COUNTRIES = ["Bolivia", "bolivia", "Perú", "Chile", "Kenya", "India", "Spain", "France",
             "Brazil", "Canada", "Mexico", "Ghana", "Nepal", "Ecuador"]


def statement_with_sign_ons() -> Statement:
    statement = make_statement(show_daily_chart=True, signature_moderation="none")
    now = timezone.now()
    for n, country in enumerate(COUNTRIES * 3):
        signature = Signature.objects.create(
            statement=statement, kind="organisation" if n % 7 == 0 else "individual",
            name=f"Signer {n}", organisation_name=f"Committee {n}" if n % 7 == 0 else "",
            country=country, email=f"s{n}@example.org", language=["en", "es"][n % 3 == 0])
        Signature.objects.filter(pk=signature.pk).update(
            created_at=now - timedelta(hours=3 * n))
        tallies.count_received([signature.pk])
        if n % 5:
            actions.do_confirm(signature)
    return statement


def fits(page: Page) -> bool:
    width = page.viewport_size["width"] if page.viewport_size else 0
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_the_dashboard_draws_its_charts_and_passes_axe(site: BrowserSite, transactional_db: None,
                                                      width: int) -> None:
    statement = statement_with_sign_ons()
    page = editor_page(site, width)
    url = f"/admin/dashboard/{statement.pk}/"
    page.goto(url)
    assert page.locator("#content-main svg[role=img]").count() == 6
    for chart in page.locator("#content-main svg[role=img]").all():
        box = chart.bounding_box()
        assert box is not None and 0 < box["width"] <= width and box["height"] > 40
    assert page.get_by_role("heading", name="By country").is_visible()
    assert page.get_by_role("img", name="By country. Confirmed sign-ons per country",
                            exact=False).is_visible()
    assert fits(page)
    screenshot(page, "dashboard")
    page.locator("#content-main section").nth(3).scroll_into_view_if_needed()
    screenshot(page, "dashboard-charts")
    assert axe_violations(page, url) == ""


@pytest.mark.parametrize("width", WIDTHS)
def test_the_statement_page_s_daily_chart_fits_and_passes_axe(
        site: BrowserSite, transactional_db: None, width: int) -> None:
    statement_with_sign_ons()
    page = open_at(site, width)
    page.goto("/en/s/water-is-life/")
    chart = page.get_by_role("img", name="Sign-ons per day", exact=False)
    assert chart.is_visible()
    assert fits(page)
    chart.scroll_into_view_if_needed()
    screenshot(page, "daily-chart")
    assert axe_violations(page, "/en/s/water-is-life/") == ""
