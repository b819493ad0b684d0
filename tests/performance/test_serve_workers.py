"""How many app processes `undersigned serve` starts when nobody says: one per core on SQLite,
two per core on PostgreSQL, where each process spends part of every write waiting on the server."""

from __future__ import annotations

import pytest
from django.db import connection

from ops.management.commands import serve


@pytest.mark.parametrize(("vendor", "cores", "workers"), [
    ("sqlite", 1, 2),
    ("sqlite", 2, 2),
    ("sqlite", 8, 8),
    ("postgresql", 1, 4),
    ("postgresql", 2, 4),
    ("postgresql", 8, 16),
])
def test_default_workers_follow_the_cores_and_the_database(monkeypatch, vendor, cores, workers):
    monkeypatch.setattr(serve.os, "cpu_count", lambda: cores)
    assert serve.default_workers(vendor) == workers


def test_unknown_core_count_still_gives_two_processes(monkeypatch):
    monkeypatch.setattr(serve.os, "cpu_count", lambda: None)
    assert serve.default_workers("sqlite") == 2


def test_the_configured_database_decides(monkeypatch):
    monkeypatch.setattr(serve.os, "cpu_count", lambda: 2)
    assert serve.default_workers() == (4 if connection.vendor == "postgresql" else 2)
