"""Issue 16 in a real browser, JavaScript off, on a 390 px phone and a 1280 px desktop: the count
and the Sign button are on the first screen of a statement, one tap on Sign brings the form into
view, a closed statement says so at the top; the statement page, the list pages and an editor's
preview pass axe-core. Screenshots go to artifacts/screenshots/ (git-ignored; CI keeps them)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page

from core.roles import EDITOR
from signatures import actions
from signatures.models import Signature
from statements.models import Statement
from tests.browser.conftest import REPO, BrowserSite, axe_violations
from tests.browser.test_reading import demo_statement
from tests.conftest import make_statement

SCREENSHOTS = REPO / "artifacts" / "screenshots"
WIDTHS = [390, 1280]
HEIGHTS = {390: 844, 1280: 800}
PAGE = "/en/s/water-is-life/"


def screenshot(page: Page, name: str) -> Path:
    """Saved for CI's artifacts: one file per test and width, the first screen as seen."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = SCREENSHOTS / f"{name}-{width}.png"
    page.screenshot(path=str(path))
    return path


def open_at(site: BrowserSite, width: int) -> Page:
    return site.new_page(viewport={"width": width, "height": HEIGHTS[width]})


def in_viewport(page: Page, selector: str) -> bool:
    """The element's box lies wholly inside the visible part of the page."""
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None, selector
    return (box["y"] >= 0 and box["y"] + box["height"] <= size["height"]
            and box["x"] >= 0 and box["x"] + box["width"] <= size["width"])


def sign_on(statement: Statement, n: int, *, kind: str = "individual") -> None:
    signature = Signature.objects.create(
        statement=statement, kind=kind, name=f"Signer number {n} with a long name",
        organisation_name=f"Community Water Committee {n}", country="Bolivia",
        email=f"{n}@example.org", show_name=True, status=Signature.Status.HELD,
        confirmed_at=timezone.now() + timedelta(seconds=n))
    actions.do_approve(Signature.objects.filter(pk=signature.pk), actor=None)


@pytest.fixture
def statement(transactional_db: None) -> Statement:
    """The demo's statement (two issuers, a credited photo, three language versions, a long
    body), with a goal, a deadline and 130 signatories (more than a list page holds)."""
    statement = demo_statement()
    statement.signature_goal = 1000
    statement.signing_deadline = timezone.now() + timedelta(days=30)
    statement.save()
    for n in range(25):
        sign_on(statement, n, kind="organisation")
    for n in range(25, 130):
        sign_on(statement, n)
    return statement


@pytest.mark.parametrize("width", WIDTHS)
def test_count_and_sign_are_on_the_first_screen_and_sign_brings_the_form(
        site: BrowserSite, statement: Statement, width: int) -> None:
    page = open_at(site, width)
    page.goto(PAGE)
    assert page.evaluate("() => window.scrollY") == 0
    assert in_viewport(page, ".signing-summary .counts")
    assert page.locator(".signing-summary .counts").first.inner_text() == (
        "25 organisations · 105 people")
    assert in_viewport(page, "#signature-goal")
    assert in_viewport(page, ".signing-summary a.button")
    screenshot(page, "first-screen")

    page.locator(".signing-summary a.button", has_text="Sign").click()
    page.wait_for_url("**#sign")
    form = page.locator("form.sign-form").bounding_box()
    size = page.viewport_size
    assert form is not None and size is not None
    assert 0 <= form["y"] < size["height"] / 2  # the form starts in the upper half of the screen
    assert page.evaluate("() => window.scrollY") > 0
    screenshot(page, "after-sign")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("fields", "message"), [
    ({"status": Statement.Status.CLOSED}, "Signing is closed for this statement."),
    ({"signing_deadline": timezone.now() - timedelta(hours=1)}, "Signing closed at the deadline"),
])
def test_a_closed_statement_says_so_on_the_first_screen(
        site: BrowserSite, transactional_db: None, width: int, fields: dict, message: str) -> None:
    make_statement("closed", title="A long title for a statement that has closed its signing",
                   body="We stood together.\n\n" * 40, **fields)
    page = open_at(site, width)
    page.goto("/en/s/closed/")
    notice = page.locator(".signing-summary .notice")
    assert message in notice.inner_text()
    assert in_viewport(page, ".signing-summary .notice")
    assert page.locator("a[href='#sign']").count() == 0
    screenshot(page, f"closed-{fields.get('status', 'deadline')}")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_statement_page_and_the_list_pages_pass_axe(
        site: BrowserSite, statement: Statement, width: int) -> None:
    page = open_at(site, width)
    urls = [PAGE, "/es/s/water-is-life/", "/en/signatories/water-is-life/",
            "/en/signatories/water-is-life/?kind=organisation&order=name",
            "/en/signatories/water-is-life/?q=signer+number+1"]
    page.goto(urls[2])
    urls.append(page.locator("a[rel=next]").get_attribute("href") or "")
    page.goto(urls[-1])
    assert "Page 2 of 1" not in page.content()
    assert page.locator("a[rel=prev]").count() == 1
    screenshot(page, "list-page-2")
    page.goto(urls[4])
    assert "signatories match “signer number 1”" in page.content()
    screenshot(page, "list-search")
    report = "".join(axe_violations(page, url) for url in urls)
    assert report == ""


def editor_page(site: BrowserSite, width: int) -> Page:
    """A browser signed in as an editor (the session cookie of a test client's login)."""
    user = User.objects.create_user("edna", password="not-used-here", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR))
    client = Client()
    client.force_login(user)
    page = open_at(site, width)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": site.url}])
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_the_preview_shows_the_form_disabled_and_passes_axe(
        site: BrowserSite, transactional_db: None, width: int) -> None:
    make_statement("draft", status=Statement.Status.DRAFT, title="A draft about the river",
                   body="We will stand together.\n\n" * 20)
    page = editor_page(site, width)
    page.goto("/en/s/draft/")
    assert "It cannot be sent from the preview." in page.content()
    assert in_viewport(page, ".signing-summary a.button")
    page.locator(".signing-summary a.button").click()
    page.wait_for_url("**#sign")
    name = page.locator("#id_name")
    assert name.is_disabled()
    assert page.locator("form.sign-form button[type=submit]").is_disabled()
    screenshot(page, "preview-form")
    assert axe_violations(page, "/en/s/draft/") == ""
