"""core.backends.postgresql: a reused connection is checked before each request without a round
trip, and a session the server ended is still noticed and replaced.

These run against the PostgreSQL server on both test runs (CI has one at 127.0.0.1:5432), each
with a connection of its own, so that ending a session never touches the test database's."""

from __future__ import annotations

import os
import select
from collections.abc import Iterator

import dj_database_url
import psycopg
import pytest
from django.db.utils import ConnectionHandler

SERVER = os.environ.get("UNDERSIGNED_DATABASE_URL", "")
if not SERVER.startswith(("postgres://", "postgresql://")):
    SERVER = "postgres://postgres@127.0.0.1:5432/test"


@pytest.fixture
def wrapper(django_db_blocker) -> Iterator:
    # Not a test database: a plain session on the server, outside pytest-django's care.
    django_db_blocker.unblock()
    handler = ConnectionHandler({"default": {
        **dj_database_url.parse(SERVER), "ENGINE": "core.backends.postgresql",
        "CONN_HEALTH_CHECKS": True, "CONN_MAX_AGE": 600}})
    connection = handler["default"]
    yield connection
    connection.close()
    django_db_blocker.restore()


@pytest.fixture
def admin() -> Iterator[psycopg.Connection]:
    with psycopg.connect(SERVER, autocommit=True) as connection:
        yield connection


def _last_query(admin: psycopg.Connection, pid: int) -> str:
    return admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def _pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _next_request(wrapper) -> None:
    """What Django does between two requests on a kept connection, and at the next one's
    first query."""
    wrapper.close_if_unusable_or_obsolete()
    wrapper.close_if_health_check_failed()


def test_an_idle_connection_is_reused_without_a_query(wrapper, admin):
    pid = _pid(wrapper)
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 'the last real query'")
    _next_request(wrapper)
    assert wrapper.connection is not None and wrapper.health_check_done
    assert _last_query(admin, pid) == "SELECT 'the last real query'"  # no SELECT 1 was sent
    assert _pid(wrapper) == pid


def test_a_session_the_server_ended_is_replaced_before_the_next_query(wrapper, admin):
    pid = _pid(wrapper)
    admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server's goodbye reaches the socket a moment later.
    select.select([wrapper.connection.fileno()], [], [], 5)
    _next_request(wrapper)
    new_pid = _pid(wrapper)  # no error: a new connection was opened
    assert new_pid != pid


def test_after_an_error_the_connection_is_checked_with_a_query(wrapper, admin):
    pid = _pid(wrapper)
    wrapper.errors_occurred = True  # as after a failed query other than a data error
    _next_request(wrapper)
    assert _last_query(admin, pid) == "SELECT 1"
    assert not wrapper.errors_occurred and _pid(wrapper) == pid


def test_a_connection_left_in_a_transaction_is_checked_with_a_query(wrapper, admin):
    wrapper.connect()
    raw = wrapper.connection
    pid = raw.execute("SELECT pg_backend_pid()").fetchone()[0]
    raw.autocommit = False
    raw.execute("SELECT 'inside'")
    assert wrapper.is_usable()
    assert _last_query(admin, pid) == "SELECT 1"
    raw.rollback()
    raw.autocommit = True
