"""The suite's flush between committing tests (tests/conftest.py, ``_flush_by_delete``) empties
every table, rows linked by foreign keys included, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.management.color import no_style
from django.db import connection

from signatures.models import Signature
from statements.models import Organisation, StatementIssuer
from tests.conftest import make_statement


@pytest.mark.django_db(transaction=True)
def test_flush_empties_linked_tables() -> None:
    statement = make_statement()
    organisation = Organisation.objects.create(name="Coalition", slug="coalition")
    StatementIssuer.objects.create(statement=statement, organisation=organisation)
    Signature.objects.create(statement=statement, kind="individual", name="Ana",
                             email="ana@example.org", organisation=organisation)
    tables = connection.introspection.django_table_names(only_existing=True,
                                                         include_views=False)
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))
    assert not Signature.objects.exists()
    assert not StatementIssuer.objects.exists()
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_every_foreign_key_can_wait_for_the_end_of_the_transaction() -> None:
    """What deleting the tables in any order relies on, on PostgreSQL; SQLite checks foreign
    keys at commit too (Django's SQLite schema makes them deferred)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'f' "
                           "AND NOT (condeferrable AND condeferred)")
            assert cursor.fetchall() == []
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' "
                           "AND sql LIKE '%REFERENCES%'")
            schemas = [row[0] for row in cursor.fetchall()]
        assert schemas
        for schema in schemas:
            for clause in schema.split("REFERENCES")[1:]:
                assert "DEFERRABLE INITIALLY DEFERRED" in clause.split(",")[0]
