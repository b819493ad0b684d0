"""The webhooks' migration goes back and forth: its tables go with ``migrate webhooks zero``
and come back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.migrations import migrate


@pytest.mark.django_db(transaction=True)  # SQLite refuses the schema editor in a transaction
def test_the_migration_is_reversible():
    try:
        MigrationExecutor(connection).migrate([("webhooks", None)])  # None: "zero"
        assert not {"webhooks_webhookendpoint", "webhooks_webhookdelivery"} & set(
            connection.introspection.table_names())
    finally:
        migrate()
    assert {"webhooks_webhookendpoint", "webhooks_webhookdelivery"} <= set(
        connection.introspection.table_names())
