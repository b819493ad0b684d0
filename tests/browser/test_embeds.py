"""Issue 16 in a real browser: a partner site (another origin, served by this test) frames the
embed, which shows and whose Sign button opens the statement outside the frame; the same
partner cannot frame the statement page. The embed passes axe-core."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BrowserSite, assert_no_axe_violations
from tests.conftest import free_port, make_statement
from tests.reach.conftest import add_signatures


class PartnerSite:
    """A site on another origin whose one page frames ours (what a partner pastes)."""

    def __init__(self, ours: str) -> None:
        self.ours = ours
        self.port = free_port()
        html = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Partner</title></head><body><h1>Our allies</h1>"
            f"<iframe id='embed' src='{ours}/embed/water/' title='Water is life: sign-ons'"
            " width='320' height='220'></iframe>"
            f"<iframe id='page' src='{ours}/en/s/water/' title='The statement'"
            " width='320' height='220'></iframe>"
            f"<img id='badge' src='{ours}/embed/water/badge.svg' alt=''>"
            "</body></html>").encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(html)))
                self.end_headers()
                self.wfile.write(html)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        # "localhost", not 127.0.0.1: another host and port, so surely another origin.
        return f"http://localhost:{self.port}/"


@pytest.fixture
def partner(site: BrowserSite) -> Iterator[PartnerSite]:
    partner = PartnerSite(site.url)
    partner.thread.start()
    yield partner
    partner.server.shutdown()
    partner.server.server_close()


def test_a_partner_site_frames_the_embed_but_not_the_statement(site: BrowserSite,
                                                               partner: PartnerSite) -> None:
    statement = make_statement("water", title="Water is life", signature_goal=50)
    add_signatures(statement, 7, show_name=False)
    # A context of its own: the site fixture's network guard allows only our origin, and
    # this page is the partner's. Only the two origins are asked for anything.
    context = site.browser.new_context(java_script_enabled=False, locale="en-GB")
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    try:
        page = context.new_page()
        page.goto(partner.url)
        embed = page.frame_locator("#embed")
        expect(embed.get_by_role("heading", level=1)).to_have_text("Water is life")
        expect(embed.locator("body")).to_contain_text("7 of a goal of 50 signatures")
        expect(page.locator("#badge")).to_have_js_property("naturalWidth", 100)

        # The statement page refuses the frame: the browser shows it nothing of ours.
        refused = page.locator("#page").element_handle().content_frame()
        assert refused is not None
        assert refused.locator("#statement-title").count() == 0
        assert "Water is life" not in refused.content()

        # Sign opens the statement's own page, outside the partner's frame.
        with context.expect_page() as opened:
            embed.get_by_role("link", name="Sign this statement").click()
        statement_page = opened.value
        statement_page.wait_for_load_state()
        assert statement_page.url == f"{site.url}/en/s/water/#sign-heading"
        expect(statement_page.locator("#statement-title")).to_have_text("Water is life")
        expect(page).to_have_url(partner.url)
    finally:
        context.close()
    foreign = [url for url in requested if not url.startswith((site.url, partner.url))]
    assert foreign == []


def test_the_embed_passes_axe(site: BrowserSite) -> None:
    statement = make_statement("water", title="Water is life", signature_goal=50)
    add_signatures(statement, 3)
    page = site.new_page()
    for url in ("/embed/water/", "/es/embed/water/"):
        assert_no_axe_violations(page, url)
    make_statement("done", status="closed")
    assert_no_axe_violations(page, "/en/embed/done/")
