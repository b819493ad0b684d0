"""Feeds, badges, counts and embeds come from the page cache and change with the statement:
a real sign-on, confirmed, shows in each of them. Requests go through the WSGI entry point,
as in production; ``transactional_db``: invalidation runs on commit."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import models
from django.test import Client

from pages import store as pagecache
from signatures.models import SignatureCounter
from statements.models import Statement
from tests.conftest import make_statement
from tests.performance.conftest import WsgiResponse, wsgi_request
from tests.signatures.conftest import confirm, mail_links, post_sign

pytestmark = pytest.mark.django_db(transaction=True)

VISIBILITY_SECONDS = 5
COUNTED = {"/embed/water/count.json": b'"total": 1',
           "/en/embed/water/badge.svg": b">1 signature<",
           "/en/embed/water/": b"1 of a goal of 10 signatures",
           "/en/feeds/water/": b"1 signature"}


@pytest.fixture(autouse=True)
def _fresh_page_cache() -> Iterator[None]:
    pagecache.clear_local()
    yield
    pagecache.clear_local()


@pytest.fixture
def water() -> Statement:
    return make_statement("water", signature_goal=10, signature_moderation="none")


def poll_until(path: str, text: bytes) -> WsgiResponse:
    deadline = time.monotonic() + VISIBILITY_SECONDS
    while True:
        response = wsgi_request(path)
        if text in response.body or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


def test_a_confirmed_sign_on_shows_in_every_cached_answer(water, mailbox, tasks,
                                                          monkeypatch) -> None:
    import reach.feeds

    monkeypatch.setattr(reach.feeds, "FIRST_MILESTONE", 1)  # a milestone at one signature
    for url in COUNTED:
        first = wsgi_request(url)
        assert first.status == 200, url
        assert first.headers["cache-control"] == pagecache.PUBLIC_CACHE_CONTROL, url
    # Served from the cache: a change nobody announced does not show.
    models.QuerySet.update(SignatureCounter.objects.filter(statement=water), individuals=7)
    assert b'"total": 0' in wsgi_request("/embed/water/count.json").body
    models.QuerySet.update(SignatureCounter.objects.filter(statement=water), individuals=0)

    anon = Client()
    assert post_sign(anon, water, email="ada@example.org", show_name=None).status_code == 303
    tasks()
    assert confirm(anon, mail_links(mailbox, "ada@example.org")["confirm"]).status_code in (
        200, 303)
    for url, text in COUNTED.items():
        response = poll_until(url, text)
        assert text in response.body, url
    document = json.loads(wsgi_request("/embed/water/count.json").body)
    assert document["total"] == document["individuals"] == 1
    # The signer chose to be counted only: named nowhere.
    for url in COUNTED:
        assert b"Ana Lima" not in wsgi_request(url).body


def test_the_sitemap_and_site_feed_follow_a_publication(water) -> None:
    draft = make_statement("later", status=Statement.Status.DRAFT)
    assert b"/s/later/" not in wsgi_request("/sitemap.xml").body
    assert b"/s/later/" not in wsgi_request("/en/feeds/").body
    draft.status = Statement.Status.PUBLISHED
    draft.save()
    assert b"/s/later/" in poll_until("/sitemap.xml", b"/s/later/").body
    assert b"/s/later/" in poll_until("/en/feeds/", b"/s/later/").body


def test_nginx_page_files_are_written_for_pages_only(water, settings, tmp_path) -> None:
    """nginx serves a page file as HTML with headers that forbid framing: a feed, a badge or an
    embed must keep coming from the app."""
    root = tmp_path / "pages"
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "PAGE_FILES": True, "PAGE_FILES_ROOT": root}
    for url in ("/en/s/water/", "/en/embed/water/", "/embed/water/", "/en/feeds/",
                "/en/feeds/water/"):
        assert wsgi_request(url).status == 200
    written = {str(path.relative_to(root).parent) for path in Path(root).rglob("index.html")}
    assert written == {"en/s/water"}
