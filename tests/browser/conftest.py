"""Browser tests: Playwright (sync API) driving Debian's ``chromium`` against a live server.

Fixtures for every browser test (see docs/testing.md):

``site``
    A :class:`BrowserSite`: the live server's URL, a Chromium launched for this test, and the
    network log. ``site.new_page()`` / ``site.new_context()`` open pages with JavaScript OFF
    (the product must work without it); pass ``javascript=True`` for a page that runs scripts.
    Relative URLs work: ``page.goto("/en/")``.
``page``
    A page with JavaScript disabled, in a fresh context (English browser preference).
``js_page``
    The same with JavaScript enabled.
``network``
    The :class:`NetworkLog` of every request any page of this test made. A request to any host
    other than the live server is blocked and fails the test (docs/security.md, invariant 3), at the
    latest when the test ends; ``network.assert_only_own_requests()`` checks it on the spot.

Helpers to import: ``from tests.browser.conftest import assert_no_axe_violations,
axe_violations`` (the same check returning its report, to check several pages at once).

Every test in this directory is marked ``browser`` automatically. Chromium is started anew for
each test: Playwright's sync API leaves its event loop marked as running in the thread while it
is alive, which would break the database access of any ordinary test xdist runs next in the same
worker. For the same reason the test itself may use the ORM only because the ``site`` fixture
sets ``DJANGO_ALLOW_ASYNC_UNSAFE`` for the duration of the test.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, sync_playwright

REPO = Path(__file__).resolve().parents[2]
AXE_SCRIPT = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Schemes that never leave the browser; everything else must go to the live server.
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "chrome-extension", "devtools"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str:
    """Debian's chromium on PATH; never a browser downloaded by ``playwright install``."""
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("The browser tests need Debian's `chromium` on PATH: "
                    "apt-get install -y chromium (.ci/run does this).", pytrace=False)
    return path


@dataclass
class NetworkLog:
    """Every request the pages of one test made, and those that tried to leave the site."""

    origin: str
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def is_own(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            return True
        own = urlsplit(self.origin)
        return (parts.scheme, parts.netloc) == (own.scheme, own.netloc)

    def attach(self, context: BrowserContext) -> None:
        """Record the context's requests; block (and remember) any to another host."""
        def record(request: Request) -> None:
            self.requests.append(request.url)
            if not self.is_own(request.url) and request.url not in self.foreign:
                self.foreign.append(request.url)

        def guard(route: Route) -> None:
            if self.is_own(route.request.url):
                route.continue_()
            else:
                if route.request.url not in self.foreign:
                    self.foreign.append(route.request.url)
                route.abort("blockedbyclient")

        context.on("request", record)
        context.route(lambda url: True, guard)

    def assert_only_own_requests(self) -> None:
        assert not self.foreign, (
            f"Requests left the site (docs/security.md, invariant 3), only {self.origin} is allowed:\n  "
            + "\n  ".join(self.foreign))


@dataclass
class BrowserSite:
    """The live server seen through one Chromium. Contexts opened here are network-logged."""

    browser: Browser
    url: str
    network: NetworkLog
    contexts: list[BrowserContext] = field(default_factory=list)

    def new_context(self, *, javascript: bool = False, **options: Any) -> BrowserContext:
        """A fresh browser profile; JavaScript off unless asked for. ``options`` go to
        Playwright's ``Browser.new_context`` (``viewport``, ``locale``, ``storage_state``…)."""
        options.setdefault("locale", "en-GB")
        context = self.browser.new_context(base_url=self.url, java_script_enabled=javascript,
                                           **options)
        context.set_default_timeout(10_000)
        self.network.attach(context)
        self.contexts.append(context)
        return context

    def new_page(self, *, javascript: bool = False, **options: Any) -> Page:
        return self.new_context(javascript=javascript, **options).new_page()

    def absolute(self, url: str) -> str:
        return urljoin(self.url + "/", url)


# Lets assert_no_axe_violations open its JavaScript context on the test's site (and log it).
_SITES: dict[int, BrowserSite] = {}


@pytest.fixture
def site(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[BrowserSite]:
    executable = chromium_path()
    # While Playwright runs, the thread has a "running" event loop, so Django would refuse
    # the test's own ORM calls as if they came from async code. Only for this test.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS,
                                             headless=True)
        browser_site = BrowserSite(browser, live_server.url, NetworkLog(live_server.url))
        _SITES[id(browser)] = browser_site
        try:
            yield browser_site
        finally:
            _SITES.pop(id(browser), None)
            for context in browser_site.contexts:
                context.close()
            browser.close()
    browser_site.network.assert_only_own_requests()


@pytest.fixture
def network(site: BrowserSite) -> NetworkLog:
    return site.network


@pytest.fixture
def page(site: BrowserSite) -> Page:
    """A page with JavaScript disabled: what every visitor must be able to use."""
    return site.new_page()


@pytest.fixture
def js_page(site: BrowserSite) -> Page:
    return site.new_page(javascript=True)


def axe_source() -> str:
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"{AXE_SCRIPT.relative_to(REPO)} is missing: run `make browser-deps`.",
                    pytrace=False)
    return AXE_SCRIPT.read_text(encoding="utf-8")


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"axe found {len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(" >>> ".join(t) if isinstance(t, list) else t
                              for t in node["target"])
            lines.append(f"    at {target}: {node.get('html', '')[:160]}")
    return "\n".join(lines)


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (the page must allow JavaScript)."""
    # Evaluated through the DevTools protocol: no <script> is added, so the site's
    # Content-Security-Policy stays in force and needs no exception.
    page.evaluate(f"() => {{ {axe_source()}\n}}")
    assert page.evaluate("() => typeof window.axe?.run") == "function", "axe-core did not load"
    result = page.evaluate(
        "tags => window.axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})", AXE_TAGS)
    return result["violations"]


def axe_violations(page_or_context: Page | BrowserContext, url: str,
                   *, prepare: Callable[[Page], None] | None = None) -> str:
    """What :func:`assert_no_axe_violations` checks, as a report: "" when the page is clean.
    Useful to check several pages and fail once with every problem listed."""
    context = page_or_context if isinstance(page_or_context, BrowserContext) \
        else page_or_context.context
    browser = context.browser
    assert browser is not None
    options: dict[str, Any] = {"storage_state": context.storage_state()}
    if isinstance(page_or_context, Page) and page_or_context.viewport_size:
        options["viewport"] = page_or_context.viewport_size
    browser_site = _SITES.get(id(browser))
    if browser_site is not None:
        axe_context = browser_site.new_context(javascript=True, **options)
        target = browser_site.absolute(url)
    else:
        axe_context = browser.new_context(java_script_enabled=True, **options)
        target = url
    try:
        axe_page = axe_context.new_page()
        axe_page.goto(target)
        if prepare is not None:
            prepare(axe_page)
        violations = run_axe(axe_page)
    finally:
        axe_context.close()
        if browser_site is not None:
            browser_site.contexts.remove(axe_context)
    return format_violations(target, violations) if violations else ""


def assert_no_axe_violations(page_or_context: Page | BrowserContext, url: str,
                             *, prepare: Callable[[Page], None] | None = None) -> None:
    """Load ``url`` (relative to the live server) in a fresh JavaScript-enabled context of the
    same browser — with the cookies and viewport of ``page_or_context`` — inject axe-core
    and fail listing every WCAG 2.0/2.1 A/AA and best-practice violation.

    ``prepare(page)`` runs after loading, before axe (e.g. to submit a form and check the page
    with its errors shown). JavaScript is on only because axe needs it.
    """
    report = axe_violations(page_or_context, url, prepare=prepare)
    if report:
        pytest.fail(report, pytrace=False)
