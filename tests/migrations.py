"""Moving the test database to a migration and back, for the data migrations' tests (which
need ``pytest.mark.django_db(transaction=True)``: SQLite refuses the schema editor inside the
test's transaction)."""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(target: tuple[str, str] | None = None) -> Apps:
    """Migrate to ``target`` (None: the latest of every app); returns the historical apps
    there."""
    executor = MigrationExecutor(connection)
    targets = [target] if target else executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps
