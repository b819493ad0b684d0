"""Keyset paging proven by what the database is asked (docs/api.md, "Paging"): at thousands of
signatures, the first page, a page far in and a filtered page run the same few statements, none
with OFFSET or COUNT, and on SQLite each list walk is a seek in the public list's index with no
sort of its own."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from api.tokens import Scope
from signatures.actions import reconcile_counts
from signatures.models import Signature, sort_key
from statements.models import Statement
from tests.api.conftest import token_header
from tests.querywork import statements

pytestmark = pytest.mark.django_db

SIGNATURES = 6000


@pytest.fixture
def crowded(statement: Statement) -> Statement:
    start = timezone.now() - timedelta(days=3)
    Signature.objects.bulk_create([
        Signature(statement=statement, kind="organisation" if n % 10 == 0 else "individual",
                  status="visible", name=f"Signer {n}", sort_name=sort_key(f"Signer {n}"),
                  organisation_name=f"Org {n}" if n % 10 == 0 else "",
                  email=f"s{n}@example.org", show_name=n % 4 != 0, wants_contact=n % 7 == 0,
                  country="Chile", confirmed_at=start + timedelta(seconds=n // 3))
        for n in range(SIGNATURES)], batch_size=1000)
    reconcile_counts([statement])
    return statement


def page_path(body: dict) -> str:
    parts = urlsplit(body["_links"]["next"]["href"])
    return f"{parts.path}?{parts.query}"


def shapes_of(client: Client, url: str, **extra) -> tuple[dict, list[str]]:
    with statements() as shapes:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.content[:300]
    return json.loads(response.content), shapes


def reads(shapes: list[str]) -> int:
    return len([sql for sql in shapes if sql.upper().startswith("SELECT")])


def assert_keyset(shapes: list[str]) -> None:
    for sql in shapes:
        assert " OFFSET " not in sql.upper(), sql
        assert "COUNT(" not in sql.upper(), sql


@pytest.mark.parametrize("private", [False, True])
def test_deep_pages_cost_what_the_first_costs(client: Client, crowded: Statement,
                                              private: bool) -> None:
    extra = token_header(Scope.READ_PRIVATE) if private else {}
    url = f"/api/v1/petitions/{crowded.pk}/signatures?per_page=100"
    first, first_shapes = shapes_of(client, url, **extra)
    assert_keyset(first_shapes)
    body = first
    for _ in range(30):  # 3,000 rows in
        body, _shapes = shapes_of(client, page_path(body), **extra)
    deep, deep_shapes = shapes_of(client, page_path(body), **extra)
    assert_keyset(deep_shapes)
    # The same reads (the token's last use is written at most once a minute).
    assert reads(deep_shapes) == reads(first_shapes)
    assert deep["page"] == 32 and len(deep["_embedded"]["osdi:signatures"]) == 100
    expected = Signature.objects.filter(statement=crowded, status="visible")
    if not private:
        expected = expected.filter(show_name=True)
    assert first["total_records"] == expected.count()


def test_a_filtered_list_and_the_people_walk_without_offset_or_count(client: Client,
                                                                     crowded: Statement) -> None:
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _body, shapes = shapes_of(
        client, f"/api/v1/petitions/{crowded.pk}/signatures?filter=modified_date gt '{since}'")
    assert_keyset(shapes)
    headers = token_header(Scope.READ_PRIVATE)
    body, shapes = shapes_of(client, "/api/v1/people?per_page=100", **headers)
    assert_keyset(shapes)
    body, shapes = shapes_of(client, page_path(body), **headers)
    assert_keyset(shapes)
    assert body["total_records"] == Signature.objects.filter(
        wants_contact=True, status="visible").count()


def plan_of(sql: str, params: tuple) -> str:
    with connection.cursor() as db:
        if connection.vendor == "sqlite":
            db.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " ".join(str(row[-1]) for row in db.fetchall())
        db.execute("ANALYZE signatures_signature")
        db.execute(f"EXPLAIN {sql}", params)
        return " ".join(str(row[0]) for row in db.fetchall())


def test_each_lane_is_an_index_seek_without_a_sort(crowded: Statement) -> None:
    from api import public
    from api.paging import Cursor, moment_of

    anchor = Signature.objects.filter(statement=crowded).order_by("confirmed_at", "id")[3000]
    cursor = Cursor(moment_of(anchor.confirmed_at), anchor.pk)
    for lane in public._signature_lanes(crowded, private=True):
        queryset = public.SIGNATURE_ORDER.beyond(lane, cursor).order_by(
            *public.SIGNATURE_ORDER.fields())[:101]
        plan = plan_of(*queryset.query.sql_with_params())
        assert "signature_list_confirmed" in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_the_people_walk_seeks_the_index_of_signers_who_agreed(crowded: Statement) -> None:
    """Few of a million signers may agree to be contacted: the walk reads only them, through
    the partial index ``signature_contactable``, not every signature by its id."""
    from api import public

    keep = list(public.contactable().order_by("id").values_list("pk", flat=True)[:20])
    Signature.objects.exclude(pk__in=keep).update(wants_contact=False)  # 20 of 6,000 agreed
    anchor = keep[5]
    queryset = public.contactable().filter(pk__gt=anchor).order_by("id")[:101]
    plan = plan_of(*queryset.query.sql_with_params())
    assert "signature_contactable" in plan, plan
