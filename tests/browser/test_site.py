"""The site around the statements, in a real browser: pages open without complaints in the
browser's console."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page

from core.models import SiteSettings
from core.site import do_save_site_settings, store_logo
from tests.browser.conftest import BrowserSite, assert_no_axe_violations
from tests.conftest import make_statement
from tests.statements.conftest import png_bytes


def test_no_console_complaint_about_the_permissions_policy(site: BrowserSite, js_page: Page):
    """Chromium logs an error on every page for a feature it does not know in the
    Permissions-Policy header; a visitor's (or a developer's) console stays clean."""
    statement = make_statement()
    messages: list[ConsoleMessage] = []
    js_page.on("console", lambda message: messages.append(message))
    for url in ("/en/", statement.get_absolute_url(), "/en/privacy/"):
        response = js_page.goto(url)
        assert response is not None and response.status == 200
        assert "camera=()" in response.headers["permissions-policy"]  # the policy is sent
    complaints = [m.text for m in messages if m.type in ("error", "warning")]
    assert complaints == []


def test_a_branded_site_stays_accessible(site: BrowserSite, page: Page):
    """The coalition's name, tagline, logo, accent colour, footer and contact address on every
    page: axe-core still finds nothing, with the colour at its darkest allowed contrast."""
    statement = make_statement()
    name, width, height = store_logo(png_bytes(600, 300))
    do_save_site_settings(None, SiteSettings(
        name="Coalición Río Vivo", tagline="Communities for the river", logo=name,
        logo_width=width, logo_height=height, accent="#0b6e4f",
        footer_text="A coalition of 40 organisations.", contact_email="press@riovivo.example"),
        ["name"])
    for url in ("/en/", statement.get_absolute_url(), "/es/privacy/"):
        response = page.goto(url)
        assert response is not None and response.status == 200
        header = page.locator("header.site-header")
        assert "Coalición Río Vivo" in header.inner_text()
        assert "Communities for the river" in header.inner_text()
        assert_no_axe_violations(page, url)
    link_colour = page.locator("footer a").first.evaluate("a => getComputedStyle(a).color")
    assert link_colour == "rgb(11, 110, 79)"  # the accent, from /theme/0b6e4f.css
