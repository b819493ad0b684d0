"""The site around the statements, in a real browser: pages open without complaints in the
browser's console."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page

from tests.browser.conftest import BrowserSite
from tests.conftest import make_statement


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
