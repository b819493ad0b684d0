"""Query strings and the page cache: keys from the parameters each view reads, nothing stored
for made-up ones (a random ``?utm=…`` per request once grew the cache without bound).

Through ``undersigned.wsgi.application``, as in test_pagecache.py; the shared cache of the tests
is Django's local-memory cache, whose keys are counted directly.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import models
from django.utils import timezone

from comments import public as comments_public
from comments.models import Comment, email_key
from pages import store as pagecache
from signatures import actions, public
from signatures.models import Signature
from statements.models import Statement
from tests.conftest import make_statement

from .conftest import wsgi_request

pytestmark = pytest.mark.django_db(transaction=True)


def stored_pages() -> int:
    """Pages in the shared cache and in this process's layer."""
    shared = sum(1 for key in cache._cache if pagecache.PAGE_KEY_PREFIX in key)  # type: ignore[attr-defined]
    return shared + len(pagecache._local_pages.entries)


def visible(statement: Statement, name: str, n: int, kind: str = "individual") -> Signature:
    signature = Signature.objects.create(
        statement=statement, kind=kind, name=name, organisation_name=name, email=f"{n}@example.org",
        show_name=True, status=Signature.Status.HELD,
        confirmed_at=timezone.now() + timedelta(seconds=n))
    actions.do_approve(Signature.objects.filter(pk=signature.pk), actor=None)
    return signature


@pytest.fixture
def statement() -> Statement:
    statement = make_statement(slug="viral", title="Original title")
    visible(statement, "Bea Costa", 1)
    visible(statement, "Ana Lima", 2)
    visible(statement, "River Keepers", 3, kind="organisation")
    return statement


def edit_behind_the_cache(statement: Statement, title: str) -> None:
    models.QuerySet.update(Statement.objects.filter(pk=statement.pk), title=title)


@pytest.mark.parametrize("url", ["/en/", "/en/s/viral/", "/en/signatories/viral/"])
def test_random_query_strings_do_not_grow_the_cache(statement, url) -> None:
    plain = wsgi_request(url)
    assert plain.status == 200
    before = stored_pages()
    for _ in range(30):
        response = wsgi_request(url, query=f"utm_source={secrets.token_hex(8)}&fbclid=x")
        assert response.status == 200
        assert response.body == plain.body  # the page for the parameters that matter
    assert stored_pages() == before


def test_a_campaign_link_is_answered_from_the_cache(statement) -> None:
    wsgi_request("/en/s/viral/")
    edit_behind_the_cache(statement, "Silent edit")
    campaign = wsgi_request("/en/s/viral/", query="utm_source=newsletter&utm_medium=email")
    assert b"Original title" in campaign.body  # the cached page, not a new render


@pytest.mark.parametrize(("url", "query"), [
    ("/en/", "order=newest"),             # a known name on a page that reads none
    ("/en/", "kind=individual"),
    ("/en/s/viral/", "cpage=abc"),        # read as page 1, but not as its links spell it
    ("/en/s/viral/", "cpage=01"),
    ("/en/s/viral/", "order=oldest"),
    ("/en/signatories/viral/", "kind=individual&kind="),
])
def test_known_names_with_values_the_view_does_not_spell_are_answered_not_stored(
        statement, url, query) -> None:
    wsgi_request(url)
    before = stored_pages()
    for _ in range(3):
        assert wsgi_request(url, query=query).status == 200
    assert stored_pages() == before


def test_made_up_cursors_are_refused_and_not_stored(statement) -> None:
    first = Signature.objects.filter(statement=statement, kind="individual").order_by("id").first()
    before = stored_pages()
    for query in (f"after=0{first.pk}", f"after=+{first.pk}", f"order=name&after={first.pk}~zz",
                  f"order=name&after={first.pk}~{secrets.token_hex(4)}"):
        assert wsgi_request("/en/signatories/viral/", query=query).status == 400, query
    assert stored_pages() == before


def test_known_parameters_still_give_their_own_cached_page(statement) -> None:
    url = "/en/signatories/viral/"
    organisations = wsgi_request(url, query="kind=organisation")
    individuals = wsgi_request(url, query="kind=individual")
    assert b"River Keepers" in organisations.body and b"Ana Lima" not in organisations.body
    assert b"Ana Lima" in individuals.body and b"River Keepers" not in individuals.body
    by_name = wsgi_request(url, query="order=name&kind=individual").body.decode()
    assert by_name.index("Ana Lima") < by_name.index("Bea Costa")
    by_time = wsgi_request(url, query="kind=individual&order=confirmed").body.decode()
    assert by_time.index("Bea Costa") < by_time.index("Ana Lima")
    # Stored under their parameters: served again, in any order and with extras, from the cache.
    edit_behind_the_cache(statement, "Silent edit")
    again = wsgi_request(url, query="utm_source=x&kind=organisation")
    assert again.body == organisations.body
    assert wsgi_request(url, query="kind=individual&order=name").body.decode() == by_name
    # The discussion's pages are keyed by theirs (a page past the end is answered too).
    second = wsgi_request("/en/s/viral/", query="cpage=2")
    assert second.status == 200


def next_link(body: bytes) -> str:
    page = body.decode()
    marker = page.index('rel="next"')
    start = page.rindex('href="', 0, marker) + 6
    return page[start:page.index('"', start)].replace("&amp;", "&").split("?", 1)[1]


def test_list_pages_after_a_cursor_are_answered_not_stored(statement, monkeypatch) -> None:
    # Every signature is a valid cursor: stored, they would be a page per signature, kind and
    # order. Only each kind and order's first page is kept.
    monkeypatch.setattr(public, "PAGE_SIZE", 1)
    second = {next_link(wsgi_request("/en/signatories/viral/", query=query).body): name
              for query, name in (("order=name", b"Bea Costa"), ("", b"Ana Lima"))}
    assert all("after=" in query for query in second)
    before = stored_pages()
    for query, name in second.items():
        page_two = wsgi_request("/en/signatories/viral/", query=query)
        assert page_two.status == 200 and name in page_two.body, query
        assert "no-store" not in page_two.headers.get("cache-control", "")  # not private
    assert stored_pages() == before


def prev_link(body: bytes) -> str:
    page = body.decode()
    marker = page.index('rel="prev"')
    start = page.rindex('href="', 0, marker) + 6
    return page[start:page.index('"', start)].replace("&amp;", "&").split("?", 1)[1]


def test_a_page_before_a_cursor_is_not_answered_with_the_stored_first_page(statement,
                                                                          monkeypatch) -> None:
    # ``before`` and ``page`` are part of the key: left out, ?before=… would share the first
    # page's key and be answered with the first page from the cache.
    monkeypatch.setattr(public, "PAGE_SIZE", 1)
    visible(statement, "Cleo Dias", 4)
    first = wsgi_request("/en/signatories/viral/")
    second = wsgi_request("/en/signatories/viral/", query=next_link(first.body))
    third = wsgi_request("/en/signatories/viral/", query=next_link(second.body))
    before = stored_pages()
    back = wsgi_request("/en/signatories/viral/", query=prev_link(third.body))
    assert "before=" in prev_link(third.body) and "page=2" in prev_link(third.body)
    assert back.body == second.body
    assert back.body != first.body
    assert stored_pages() == before


@pytest.mark.parametrize("query", ["", "kind=organisation", "order=name",
                                   "kind=organisation&order=name"])
def test_the_first_list_page_of_each_kind_and_order_is_stored(statement, query) -> None:
    before = stored_pages()
    first = wsgi_request("/en/signatories/viral/", query=query)
    assert first.status == 200
    assert stored_pages() > before
    edit_behind_the_cache(statement, "Silent edit")
    assert wsgi_request("/en/signatories/viral/", query=query).body == first.body


def comment_on(statement: Statement, n: int) -> Comment:
    return Comment.objects.create(
        statement=statement, email=f"c{n}@example.org", email_key=email_key(f"c{n}@example.org"),
        name=f"Commenter {n}", body=f"Comment number {n}", body_html=f"<p>Comment number {n}</p>",
        status=Comment.Status.VISIBLE, listed=True,
        created_at=timezone.now() + timedelta(seconds=n))


def test_discussion_pages_past_the_end_are_answered_not_stored(statement) -> None:
    # ?cpage=2 … ?cpage=100000, in two orders and every language, were each a stored page.
    wsgi_request("/en/s/viral/")
    wsgi_request("/en/s/viral/", query="order=newest")
    before = stored_pages()
    pages = [*range(2, 27), *(1000 * n + 7 for n in range(1, 13)), 99_999, 100_000,
             *(secrets.randbelow(90_000) + 5_000 for _ in range(11))]
    assert len(set(pages)) >= 48
    for n, page in enumerate(pages):
        query = f"cpage={page}" if n % 2 else f"order=newest&cpage={page}"
        response = wsgi_request("/en/s/viral/", query=query)
        # A link to a page that no longer exists (comments removed since) still shows the
        # statement, with a way back to the discussion's first page.
        assert response.status == 200 and b"Original title" in response.body, query
    assert stored_pages() == before


def test_existing_discussion_pages_are_stored(statement, monkeypatch) -> None:
    monkeypatch.setattr(comments_public, "PAGE_SIZE", 1)
    comment_on(statement, 1)
    comment_on(statement, 2)
    first = wsgi_request("/en/s/viral/")
    assert "cpage=2" in first.body.decode()
    before = stored_pages()
    second = wsgi_request("/en/s/viral/", query="cpage=2")
    assert second.status == 200 and b"Comment number 2" in second.body
    assert stored_pages() > before  # the page the discussion links to is cached like any other
    newest_second = wsgi_request("/en/s/viral/", query="order=newest&cpage=2")
    assert b"Comment number 1" in newest_second.body
    stored = stored_pages()
    assert stored > before
    third = wsgi_request("/en/s/viral/", query="cpage=3")  # one past the end
    assert third.status == 200 and b"Comment number" not in third.body
    assert stored_pages() == stored
    edit_behind_the_cache(statement, "Silent edit")
    assert wsgi_request("/en/s/viral/", query="cpage=2").body == second.body


def test_search_results_are_never_stored(statement) -> None:
    wsgi_request("/en/signatories/viral/")
    before = stored_pages()
    for query in ("q=ana", "q=ana&kind=individual", f"q={secrets.token_hex(6)}", "q=+"):
        response = wsgi_request("/en/signatories/viral/", query=query)
        assert response.status == 200
        assert "no-store" in response.headers["cache-control"]
    assert stored_pages() == before
    assert b"Ana Lima" in wsgi_request("/en/signatories/viral/", query="q=ana").body
