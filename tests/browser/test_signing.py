"""Issue 3 in a real browser with JavaScript off: sign, read the mail from the SMTP server,
confirm with the button, find the name on the list; withdraw through the manage link and find
it gone. The pages a signer sees pass axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core import protection
from tests.browser.conftest import BrowserSite, axe_violations
from tests.conftest import make_statement
from tests.signatures.conftest import mail_links


@pytest.fixture
def statement(transactional_db):
    return make_statement("water-is-life", title="Water is life")


def test_sign_confirm_find_withdraw_without_javascript(site: BrowserSite, page: Page, statement,
                                                        mailbox, tasks,  # noqa: F811
                                                        monkeypatch):
    # The minimum fill time counts from the start of the token's window; a robot types faster
    # than any person, and this test must not depend on where in the window it starts.
    monkeypatch.setattr(protection, "MIN_FILL_SECONDS", 0)
    page.goto("/en/s/water-is-life/")
    form = page.locator("form.sign-form")
    expect(form.get_by_label("Your name")).to_be_visible()
    form.get_by_label("Your name").fill("Marta Quispe")
    form.get_by_label("Country").fill("Peru")
    form.get_by_label("Email").fill("  Marta@Example.org ")
    expect(form.get_by_label("Show the name publicly: yours, or your organisation's")).to_be_checked()
    form.get_by_role("button", name="Sign").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    assert page.url.endswith("/en/sign/water-is-life/sent/")

    tasks()
    links = mail_links(mailbox, "marta@example.org")
    page.goto(links["confirm"])
    expect(page.get_by_role("heading", name="Confirm your signature")).to_be_visible()
    page.get_by_role("button", name="Confirm my signature").click()
    expect(page.get_by_text("confirmed and on the list")).to_be_visible()

    page.goto("/en/s/water-is-life/")
    signatories = page.locator("section.signatories")
    expect(signatories.get_by_text("Marta Quispe, Peru")).to_be_visible()
    expect(signatories.locator(".counts")).to_contain_text("1 person")

    page.goto(links["manage"])
    page.get_by_role("button", name="Withdraw my signature").click()
    expect(page.get_by_role("heading", name="Your signature is withdrawn")).to_be_visible()
    page.goto("/en/s/water-is-life/")
    expect(page.locator("section.signatories")).not_to_contain_text("Marta Quispe")
    expect(page.locator("section.signatories .counts")).to_contain_text("0 people")
    page.goto(links["manage"])
    expect(page.get_by_role("heading", name="This signature was withdrawn")).to_be_visible()


def test_errors_next_to_fields_and_input_kept_without_javascript(site: BrowserSite, page: Page,
                                                                statement, monkeypatch):
    monkeypatch.setattr(protection, "MIN_FILL_SECONDS", 0)
    page.goto("/en/s/water-is-life/")
    form = page.locator("form.sign-form")
    form.get_by_label("On behalf of an organisation").check()
    form.get_by_label("Your name").fill("Marta Quispe")
    form.get_by_label("Email").fill("not an address")
    form.get_by_role("button", name="Sign").click()
    expect(page.get_by_text("Please check the form")).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_value("Marta Quispe")
    expect(page.get_by_label("On behalf of an organisation")).to_be_checked()
    expect(page.locator("#id_email-error")).to_contain_text("name@example.org")
    expect(page.locator("#id_organisation-error")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")


def test_signing_pages_pass_axe(site: BrowserSite, page: Page, statement, mailbox,  # noqa: F811
                                tasks, monkeypatch):
    monkeypatch.setattr(protection, "MIN_FILL_SECONDS", 0)

    def submit_invalid(axe_page: Page) -> None:
        axe_page.locator("form.sign-form").get_by_role("button", name="Sign").click()
        axe_page.wait_for_load_state()

    reports = [axe_violations(page, "/en/sign/water-is-life/sent/"),
               axe_violations(page, "/en/s/water-is-life/", prepare=submit_invalid)]
    page.goto("/en/s/water-is-life/")
    form = page.locator("form.sign-form")
    form.get_by_label("Your name").fill("Ana")
    form.get_by_label("Email").fill("ana@example.org")
    form.get_by_role("button", name="Sign").click()
    tasks()
    links = mail_links(mailbox, "ana@example.org")
    reports += [axe_violations(page, links["confirm"]), axe_violations(page, links["manage"]),
                axe_violations(page, "/en/signatories/water-is-life/")]
    report = "\n".join(r for r in reports if r)
    assert not report, report
