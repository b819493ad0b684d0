"""Updates in a real browser, JavaScript off, on a 390 px phone and a 1280 px desktop: the
statement page with its updates (reached by the anchor a feed entry links to), and the
unsubscribe page of an update mail, before and after pressing its button. axe-core finds no
violation on any of them, and nothing scrolls sideways. Screenshots go to
artifacts/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from signatures import actions as signature_actions
from signatures.models import Signature
from tests.browser.conftest import BrowserSite, axe_violations
from tests.browser.test_first_screen import open_at, screenshot
from tests.conftest import make_statement
from tests.updates.conftest import make_signer, make_update
from updates.tasks import unsubscribe_url

WIDTHS = [390, 1280]


def path_of(url: str) -> str:
    return url[url.index("/", url.index("//") + 2):]


@pytest.mark.parametrize("width", WIDTHS)
def test_updates_on_the_statement_page_and_the_unsubscribe_page(site: BrowserSite, width: int,
                                                                transactional_db) -> None:
    statement = make_statement("water-is-life", body="We stand together.\n\n" * 3)
    first = make_update(statement, title="We met the minister",
                        body="A short meeting. The *next step* is the vote on Thursday.\n\n"
                             "> Water is not for sale.")
    make_update(statement, title="We delivered the letter with 12,000 signatures",
                body="The minister received it on Monday, at the door of the ministry.",
                translations={"es": ("Entregamos la carta", "La ministra la recibió el lunes.")})
    signer = make_signer(statement, "rosa@example.org", name="Rosa")
    signature_actions.reconcile_counts([statement])
    page = open_at(site, width)

    page.goto(f"/en/s/water-is-life/#{first.anchor}")
    expect(page.get_by_role("heading", name="Updates", level=2)).to_be_visible()
    expect(page.locator(f"#{first.anchor} h3")).to_have_text("We met the minister")
    expect(page.locator(f"#{first.anchor} h3")).to_be_in_viewport()  # the feed's link lands on it
    screenshot(page, "updates-statement")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll

    unsubscribe = path_of(unsubscribe_url(signer.pk, signer.token_salt, "en"))
    page.goto(unsubscribe)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Stop the news about this statement?")
    screenshot(page, "unsubscribe")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    signer.refresh_from_db()
    assert signer.wants_news is True  # opening the page changed nothing
    page.get_by_role("button", name="Send me no more news").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You will get no more news")
    assert not Signature.objects.get(pk=signer.pk).wants_news

    report = "".join(axe_violations(page, url) for url in (
        "/en/s/water-is-life/", "/es/s/water-is-life/", unsubscribe,
        path_of(unsubscribe_url(signer.pk, signer.token_salt, "es"))))
    assert report == "", report
