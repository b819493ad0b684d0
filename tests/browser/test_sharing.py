"""Issue 16 in a real browser with JavaScript off: after confirming, the signer's page offers
the link to copy, plain share links and a Mastodon form that hands over to the visitor's own
server; the statement page carries OpenGraph tags whose image answers. Both pages pass axe."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from signatures import tokens
from signatures.models import Signature
from tests.browser.conftest import BrowserSite, assert_no_axe_violations
from tests.conftest import make_statement


@pytest.fixture
def statement(transactional_db):
    return make_statement("water-is-life", title="Water is life")


def test_share_after_confirming_and_hand_over_to_mastodon(site: BrowserSite, page: Page,
                                                         statement, settings):
    settings.BASE_URL = site.url
    signature = Signature.objects.create(statement=statement, kind="individual",
                                         name="Marta Quispe", email="marta@example.org")
    page.goto(f"/en/signature/confirm/{tokens.make_token(signature, tokens.CONFIRM)}/")
    page.get_by_role("button", name="Confirm my signature").click()
    share = page.locator("section.share")
    expect(share.get_by_role("heading", name="Share the statement")).to_be_visible()
    link = share.get_by_label("Link to copy")
    expect(link).to_have_value(f"{site.url}/en/s/water-is-life/")
    expect(link).to_have_attribute("readonly", "")
    for name, start in (("Email", "mailto:?subject="), ("WhatsApp", "https://wa.me/?text="),
                        ("Telegram", "https://t.me/share/url?url="),
                        ("Bluesky", "https://bsky.app/intent/compose?text=")):
        anchor = share.get_by_role("link", name=name)
        expect(anchor).to_have_attribute("href", re.compile("^" + re.escape(start)))
        expect(anchor).to_have_attribute("rel", "noopener noreferrer")
    manage_url = page.url
    assert_no_axe_violations(page, manage_url)

    # The one request that leaves the site is the visitor's own choice: their server.
    arrived: list[str] = []

    def mastodon(route: Route) -> None:
        arrived.append(route.request.url)
        route.fulfill(status=200, content_type="text/html",
                      body="<!doctype html><title>Mastodon</title><h1>Compose</h1>")

    page.route("https://mastodon.example/**", mastodon)
    share.get_by_label("Your Mastodon server").fill("mastodon.example")
    share.get_by_role("button", name="Share on Mastodon").click()
    expect(page.get_by_role("heading", name="Compose")).to_be_visible()
    assert len(arrived) == 1
    target = urlsplit(arrived[0])
    assert (target.netloc, target.path) == ("mastodon.example", "/share")
    assert parse_qs(target.query)["text"] == [
        f"“Water is life” — read it and sign: {site.url}/en/s/water-is-life/"]
    site.network.foreign[:] = [url for url in site.network.foreign if url not in arrived]


def test_a_bad_mastodon_server_gets_the_form_again_with_the_reason(site: BrowserSite,
                                                                  page: Page, statement):
    page.goto("/en/share/water-is-life/en/mastodon/?instance=https%3A%2F%2Fevil.example%2F")
    expect(page.get_by_role("heading", name="Share on Mastodon", level=1)).to_be_visible()
    field = page.get_by_label("Your Mastodon server")
    expect(field).to_have_value("https://evil.example/")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#share-instance-error")).to_contain_text("without https://")
    assert_no_axe_violations(page, page.url)


def test_statement_page_has_opengraph_tags_and_its_image_answers(site: BrowserSite,
                                                                 page: Page, statement,
                                                                 settings):
    settings.BASE_URL = site.url
    page.goto("/en/s/water-is-life/")

    def tag(name: str) -> str | None:
        return page.locator(f'meta[property="{name}"], meta[name="{name}"]').get_attribute(
            "content")

    assert tag("og:title") == "Water is life"
    assert tag("og:type") == "article"
    assert tag("og:url") == f"{site.url}/en/s/water-is-life/"
    assert tag("twitter:card") == "summary_large_image"
    image_url = tag("og:image")
    assert image_url == f"{site.url}/en/share/water-is-life/en.png"
    assert (tag("og:image:width"), tag("og:image:height")) == ("1200", "630")
    response = page.request.get(image_url)
    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
    assert response.body()[:8] == b"\x89PNG\r\n\x1a\n"
