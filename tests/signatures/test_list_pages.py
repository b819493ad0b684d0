"""The full list's pages: Previous as well as Next, "Page 2 of 5", and a search that says how
many names match — still without OFFSET or COUNT(*), so a million signatures cost what ten do."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from signatures import public
from tests.conftest import cold_caches
from tests.signatures.test_list import visible

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/en/signatories/water-is-life/"
NAMES = [f"Person {n:03d}" for n in range(30)]


def link(html: str, rel: str) -> str:
    match = re.search(rf'<a href="([^"]*)" rel="{rel}">', html)
    return htmllib.unescape(match.group(1)) if match else ""


def shown(html: str) -> list[str]:
    listing = html.split('class="signatory-list"', 1)[1].split("</ul>")[0]
    return sorted((n for n in NAMES if n in listing), key=listing.index)


def page_label(html: str) -> str:
    match = re.search(r"<span>(Page [^<]*)</span>", html)
    return match.group(1) if match else ""


def get(anon, url: str) -> str:
    with CaptureQueriesContext(connection) as queries:
        response = anon.get(url)
    assert response.status_code == 200, url
    sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
    assert "OFFSET" not in sql and "COUNT(" not in sql, url
    return response.content.decode()


@pytest.fixture
def thirty(statement, monkeypatch):
    monkeypatch.setattr(public, "PAGE_SIZE", 7)
    for n, name in enumerate(reversed(NAMES)):
        visible(statement, name, n=n)
    return statement


@pytest.mark.parametrize("order", ["confirmed", "name"])
def test_next_then_previous_walk_the_same_pages_numbered(anon, thirty, order):
    forward, labels, url = [], [], f"{LIST}?order={order}"
    while url:
        html = get(anon, url)
        forward.append(shown(html))
        labels.append(page_label(html))
        url = link(html, "next")
    assert labels == [f"Page {n} of 5" for n in range(1, 6)]
    assert sorted(sum(forward, [])) == NAMES
    assert "Previous page" not in get(anon, f"{LIST}?order={order}")

    backward, labels = [forward[-1]], ["Page 5 of 5"]
    last = get(anon, f"{LIST}?order={order}")
    for _ in range(4):
        last = get(anon, link(last, "next"))
    url = link(last, "prev")
    while url:
        html = get(anon, url)
        backward.append(shown(html))
        labels.append(page_label(html))
        url = link(html, "prev")
    assert backward == list(reversed(forward))
    assert labels == [f"Page {n} of 5" for n in range(5, 0, -1)]


def test_previous_from_page_two_is_the_first_page_address(anon, thirty):
    second = link(get(anon, LIST), "next")
    assert link(get(anon, second), "prev") == f"{LIST}?kind=individual&order=confirmed"


def test_a_single_page_has_no_pagination(anon, statement):
    visible(statement, "Only One", n=1)
    html = get(anon, LIST)
    assert "Only One" in html
    assert "Next page" not in html and "Previous page" not in html and "Page 1" not in html


def test_search_says_how_many_match(anon, statement, monkeypatch):
    monkeypatch.setattr(public, "SEARCH_PAGE_SIZE", 2)
    for n, name in enumerate(["Ana Lima", "Ana Souza", "Anabel Ruiz", "Bea Costa"]):
        visible(statement, name, n=n)
    visible(statement, "Ana Hidden", n=10, show_name=False)
    first = get(anon, f"{LIST}?q=ana")
    assert "3 signatories match “ana”" in first
    assert page_label(first) == "Page 1 of 2"
    second = get(anon, link(first, "next"))
    assert "3 signatories match “ana”" in second and page_label(second) == "Page 2 of 2"
    assert "q=ana" in link(second, "prev")
    assert "1 signatory matches “bea”" in get(anon, f"{LIST}?q=bea")
    assert "No signatory shown by name matches" in get(anon, f"{LIST}?q=zed")


def test_search_count_is_bounded(anon, statement, monkeypatch):
    monkeypatch.setattr(public, "SEARCH_COUNT_CAP", 3)
    monkeypatch.setattr(public, "SEARCH_PAGE_SIZE", 2)
    for n in range(5):
        visible(statement, f"Ana {n}", n=n)
    with CaptureQueriesContext(connection) as queries:
        html = get(anon, f"{LIST}?q=ana")
    assert "More than 3 signatories match “ana”" in html
    assert page_label(html) == "Page 1"
    bounded = [q["sql"] for q in queries.captured_queries if "LIMIT 4" in q["sql"].upper()]
    assert bounded, "the count reads at most SEARCH_COUNT_CAP + 1 index entries"
    # Ordered, the limit would come after reading and sorting every match (a prefix such as
    # "Person 0" matched 100,000 names and took over a second at a million signatures).
    assert not [sql for sql in bounded if "ORDER BY" in sql.upper()]


@pytest.mark.parametrize("query", ["page=2", "page=1&after={pk}", "page=02&after={pk}",
                                   "page=abc&after={pk}", "page=-3&after={pk}",
                                   "after={pk}&before={pk}", "before=abc",
                                   "page=9999999999&after={pk}"])
def test_bad_page_parameters_are_400(anon, thirty, query):
    pk = thirty.signatures.order_by("id").first().pk
    response = anon.get(f"{LIST}?{query.format(pk=pk)}")
    assert response.status_code == 400, query
    assert "start from the first page" in response.content.decode()


def test_the_list_pages_cost_the_same_queries_for_ten_or_thirty_names(anon, statement,
                                                                       monkeypatch):
    monkeypatch.setattr(public, "PAGE_SIZE", 4)
    monkeypatch.setattr(public, "SEARCH_PAGE_SIZE", 4)

    def queries_for(url: str) -> int:
        cold_caches()  # rendered each time, not answered from the page cache
        with CaptureQueriesContext(connection) as queries:
            html = anon.get(url).content.decode()
        assert "Person" in html
        return len(queries.captured_queries)

    def costs() -> list[int]:
        urls = [LIST, f"{LIST}?order=name", f"{LIST}?kind=individual&q=person"]
        urls += [link(anon.get(url).content.decode(), "next") for url in urls]
        urls += [link(anon.get(urls[3]).content.decode(), "next")]  # page 3
        urls += [link(anon.get(urls[-1]).content.decode(), "prev")]  # back to page 2
        return [queries_for(url) for url in urls]

    for n in range(10):
        visible(statement, f"Person {n:03d}", n=n)
    few = costs()
    for n in range(10, 30):
        visible(statement, f"Person {n:03d}", n=n)
    assert costs() == few


@pytest.mark.parametrize(("order", "index"), [("confirmed", "signature_list_confirmed"),
                                              ("name", "signature_list_alpha")])
def test_a_page_before_a_cursor_reads_the_index_backwards_without_sorting(anon, thirty, order,
                                                                          index):
    """Previous keeps the list's speed at a million names: the rows before the cursor come
    from the same index, read backwards, never from a sort of everything before it."""
    html = get(anon, f"{LIST}?order={order}")
    third = link(get(anon, link(html, "next")), "next")
    previous = link(get(anon, third), "prev")
    assert "before=" in previous
    with CaptureQueriesContext(connection) as queries:
        get(anon, previous)
    sql = [q["sql"] for q in queries.captured_queries
           if '"id" DESC LIMIT' in q["sql"] and '"signatures_signature"' in q["sql"]]
    assert len(sql) == 1, sql
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql[0])
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            assert index in plan and "TEMP B-TREE" not in plan, plan
        else:
            with transaction.atomic():
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("EXPLAIN " + sql[0])
                plan = " | ".join(row[0] for row in cursor.fetchall())
            assert f"Index Scan Backward using {index}" in plan and "Sort" not in plan, plan
