"""Signatory search: names by how they start, case- and accent-insensitive, through an index,
the same on SQLite and PostgreSQL, and a per-network budget."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import protection
from pages import store as pagecache
from signatures import actions, public, views
from signatures.models import Signature
from tests.conftest import make_statement

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/en/signatories/water-is-life/"


def visible(statement, name, n, *, kind="individual", show_name=True):
    signature = Signature.objects.create(
        statement=statement, kind=kind, name=name, organisation_name=name,
        email=f"{n}@example.org", show_name=show_name, status=Signature.Status.HELD,
        confirmed_at=timezone.now() + timedelta(seconds=n))
    actions.do_approve(Signature.objects.filter(pk=signature.pk), actor=None)
    return signature


NAMES = ["José Pérez", "JOSEFINA Ruiz", "Ana José", "Joséphine Baker", "Jon Snow", "Ab-z Org",
         "Ab. Corp", "Ab z", "Zoë Ørsted", "Ωmega Ωlga", "jo"]


@pytest.fixture
def statement():
    statement = make_statement()
    for n, name in enumerate(NAMES):
        visible(statement, name, n)
    visible(statement, "Josep Hidden", 100, show_name=False)
    return statement


def found(anon, query: str) -> list[str]:
    response = anon.get(LIST, {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    if 'class="signatory-list"' not in html:
        return []
    listing = html.split('class="signatory-list"', 1)[1].split("</ul>")[0]
    return sorted((name for name in NAMES + ["Josep Hidden"] if name in listing),
                  key=listing.index)


@pytest.mark.parametrize(("query", "expected"), [
    ("jose", ["José Pérez", "JOSEFINA Ruiz", "Joséphine Baker"]),
    ("JOSÉ", ["José Pérez", "JOSEFINA Ruiz", "Joséphine Baker"]),
    ("  josé p ", ["José Pérez"]),
    ("jo", ["jo", "Jon Snow", "José Pérez", "JOSEFINA Ruiz", "Joséphine Baker"]),
    ("ab-", ["Ab-z Org"]),
    ("ab.", ["Ab. Corp"]),
    ("ab ", ["Ab z", "Ab-z Org", "Ab. Corp"]),   # trimmed, like the names; code point order
    ("zoe ø", ["Zoë Ørsted"]),
    ("ωmega", ["Ωmega Ωlga"]),
    ("pérez", []),            # the start of the name, not of any word
    ("nobody", []),
])
def test_search_finds_names_by_how_they_start_whatever_the_case_and_accents(anon, statement,
                                                                           query, expected):
    assert found(anon, query) == expected


def test_results_are_alphabetical_paginated_and_hide_the_unnamed(anon, statement, monkeypatch):
    monkeypatch.setattr(public, "SEARCH_PAGE_SIZE", 2)
    seen, url = [], f"{LIST}?q=jo&order=confirmed"
    while url:
        html = anon.get(url).content.decode()
        listing = html.split('class="signatory-list"', 1)[1].split("</ul>")[0]
        seen += sorted((n for n in NAMES if n in listing), key=listing.index)
        marker = html.find('rel="next"')
        if marker < 0:
            break
        start = html.rindex('href="', 0, marker) + 6
        url = html[start:html.index('"', start)].replace("&amp;", "&")
        assert "q=jo" in url
    assert seen == ["jo", "Jon Snow", "José Pérez", "JOSEFINA Ruiz", "Joséphine Baker"]
    assert "Josep Hidden" not in anon.get(LIST, {"q": "josep"}).content.decode()


def test_prefix_end_bounds_exactly_the_names_that_start_with_the_key():
    assert public.prefix_end("ab") == "ac"
    assert public.prefix_end("a\ud7ff") == "a\ue000"
    assert public.prefix_end("b\U0010ffff") == "c"
    assert public.prefix_end("\U0010ffff") is None


def _search_sql(anon) -> str:
    with CaptureQueriesContext(connection) as queries:
        assert anon.get(LIST, {"q": "jos"}).status_code == 200
    statements = [q["sql"] for q in queries.captured_queries
                  if "sort_name" in q["sql"] and "LIMIT" in q["sql"].upper()]
    assert len(statements) == 1, statements
    return statements[0]


class _Undo(Exception):
    pass


def _postgres_plan_with_only_the_list_index(cursor, sql: str) -> str:  # noqa: ANN001
    """The plan PostgreSQL makes when signature_list_alpha is its only choice besides the
    indexes that back constraints. A table this small is read whole by choice, and another
    index (the statement's) costs the same on a few rows, so the planner's pick depends on the
    statistics of the moment (a CI run once got the statement's index and a sort). Dropping the
    others and forbidding the whole-table read asks the question the test means: can the index
    serve the range at all. Everything is undone with the savepoint."""
    plan = ""
    try:
        with transaction.atomic():
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE i.indrelid = 'signatures_signature'::regclass"
                " AND c.relname <> 'signature_list_alpha'"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = i.indexrelid)")
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute("EXPLAIN " + sql)
            plan = " | ".join(row[0] for row in cursor.fetchall())
            raise _Undo
    except _Undo:
        pass
    return plan


def test_search_seeks_the_index_rather_than_scanning(anon, statement):
    """Guards the assumption the search's speed rests on: the database walks a range of
    signature_list_alpha (statement, kind, status, show_name, sort_name), on both databases."""
    sql = _search_sql(anon)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            assert "signature_list_alpha" in plan, plan
            assert "sort_name>?" in plan and "sort_name<?" in plan, plan
            assert "SCAN signatures_signature" not in plan, plan
        else:
            plan = _postgres_plan_with_only_the_list_index(cursor, sql)
            assert "signature_list_alpha" in plan, plan
            condition = plan.split("signature_list_alpha", 1)[1].split("Index Cond:", 1)[1]
            condition = re.sub(r"[()]|::text", "", condition.split(" | ", 1)[0])
            assert "sort_name >= 'jos'" in condition and "sort_name < 'jot'" in condition, plan


def test_sort_names_compare_by_code_point_on_both_databases(statement):
    """The range is exact only in code point order (migration 0003 gives PostgreSQL's column
    the "C" collation; SQLite compares bytes)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT collation_name FROM information_schema.columns WHERE "
                           "table_name = %s AND column_name = 'sort_name'",
                           [Signature._meta.db_table])
            assert cursor.fetchone()[0] == "C"
    names = list(Signature.objects.filter(statement=statement).visible().named()
                 .order_by("sort_name").values_list("sort_name", flat=True))
    assert names == sorted(names)


def test_search_budget_refuses_past_the_limit_with_a_clear_page(anon, statement, monkeypatch,
                                                                frozen_limit_clock):
    # One window for the whole test (the frozen clock): the limit's minute must not roll over
    # half-way.
    monkeypatch.setattr(views, "SEARCH_LIMIT", protection.Limit("signatories:search", 3, 60))
    for query in ("ana", "jo", "zo"):
        assert anon.get(LIST, {"q": query}).status_code == 200
    keys_before = set(cache._cache)  # type: ignore[attr-defined]
    refused = anon.get(LIST, {"q": "bea"})
    assert refused.status_code == 429
    assert "Too many searches" in refused.content.decode()
    assert "no-store" in refused["Cache-Control"]
    assert not [key for key in set(cache._cache) - keys_before  # type: ignore[attr-defined]
                if pagecache.PAGE_KEY_PREFIX in key]
    # Another network still searches; the list itself is never refused.
    assert anon.get(LIST, {"q": "bea"}, REMOTE_ADDR="192.0.2.9").status_code == 200
    assert anon.get(LIST).status_code == 200
    assert anon.get(LIST, {"order": "name"}).status_code == 200
