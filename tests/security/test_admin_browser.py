"""The admin under the strict CSP in a real Chromium with JavaScript on: no violation reported
on the pages editors use (the test client can only see the HTML; scripts can still set inline
styles or handlers at run time, which only a browser reports)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.browser.conftest import BrowserSite, network, site  # noqa: F401  (fixtures)
from tests.conftest import make_statement

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery 1"


@pytest.mark.django_db(transaction=True)
def test_admin_pages_report_no_csp_violation(site: BrowserSite) -> None:  # noqa: F811
    get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    statement = make_statement()
    page = site.new_page(javascript=True)
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    for path in ["/admin/", "/admin/statements/statement/", "/admin/statements/statement/add/",
                 f"/admin/statements/statement/{statement.pk}/change/",
                 "/admin/core/auditentry/", "/admin/auth/user/", "/admin/account/two-factor/"]:
        page.goto(path)
        page.wait_for_load_state("load")
        assert page.locator("#content").count() == 1, path
    # The QR code of the enrolment page is drawn (inline SVG is markup, not script or style).
    page.goto("/admin/account/two-factor/")
    assert page.locator("figure.totp-qr svg").count() == 1
    assert violations == []
