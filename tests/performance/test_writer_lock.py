"""Writers to a SQLite file queue on a lock file (core.backends.sqlite3) instead of failing or
busy-sleeping: a second writer waits for the first, and the queue is free again after a commit,
a rollback, a failed BEGIN or a connection closed mid-transaction.

Each test builds its own wrappers on a temporary database file (the suite's database is in
memory, where the queue is off) with a busy timeout far shorter than the time a transaction is
held: a writer that relied on SQLite's busy handler would fail with "database is locked"."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.db.backends.sqlite3 import base as stock

from core.backends.sqlite3 import base as queued
from core.writers import queue_file

BUSY_TIMEOUT = 0.05  # seconds SQLite's own busy handler may wait
HOLD = 0.3  # seconds the first writer keeps its transaction open once the second is on its way


@pytest.fixture(autouse=True)
def _database_access(django_db_blocker) -> Iterator[None]:
    # These wrappers are not the suite's database: no test database is needed, only leave to
    # connect (pytest-django blocks every wrapper's connect otherwise).
    with django_db_blocker.unblock():
        yield


def settings_for(name: str | Path, engine: str = "core.backends.sqlite3") -> dict[str, Any]:
    """The shape of the project's database settings, on another database."""
    return {**connection.settings_dict, "ENGINE": engine, "NAME": str(name),
            "USER": "", "PASSWORD": "", "HOST": "", "PORT": "", "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False, "TEST": {},
            "OPTIONS": {"timeout": BUSY_TIMEOUT, "transaction_mode": "IMMEDIATE",
                        "init_command": "PRAGMA journal_mode=WAL"}}


def wrapper(name: str | Path, alias: str, module: Any = queued) -> Any:
    engine = "core.backends.sqlite3" if module is queued else "django.db.backends.sqlite3"
    return module.DatabaseWrapper(settings_for(name, engine), alias)


@contextmanager
def registered(db: Any) -> Iterator[Any]:
    """Make ``transaction.atomic(using=db.alias)`` find this wrapper (in this thread only, as
    Django keeps a connection per thread), and close it afterwards."""
    connections[db.alias] = db
    try:
        yield db
    finally:
        db.close()
        del connections[db.alias]


def write(db: Any, who: str) -> None:
    with db.cursor() as cursor:
        cursor.execute("INSERT INTO signed (who) VALUES (%s)", [who])


def rows(path: Path) -> list[str]:
    with sqlite3.connect(path) as plain:
        return [who for (who,) in plain.execute("SELECT who FROM signed ORDER BY id")]


def queue_is_free(path: Path) -> bool:
    """Whether another writer could take the lock file now (flock locks belong to each open
    file, so a second open in this process competes like another process would)."""
    fd = os.open(queue_file(path), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "db.sqlite3"
    db = wrapper(path, "writer-lock-setup")
    try:
        with db.cursor() as cursor:
            cursor.execute("CREATE TABLE signed (id INTEGER PRIMARY KEY, who TEXT NOT NULL)")
    finally:
        db.close()
    return path


def two_writers(path: Path, module: Any) -> dict[str, Any]:
    """Writer A opens a transaction and writes; writer B starts its own while A still holds
    it; A commits HOLD seconds later. Returns what B saw, how long it waited, or its error."""
    a_holds, b_starts = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def first() -> None:
        with registered(wrapper(path, "writer-a", module)) as db, transaction.atomic(using=db.alias):
            write(db, "a")
            a_holds.set()
            b_starts.wait(2)
            time.sleep(HOLD)

    def second() -> None:
        a_holds.wait(2)
        with registered(wrapper(path, "writer-b", module)) as db:
            b_starts.set()
            started = time.monotonic()
            try:
                with transaction.atomic(using=db.alias):
                    with db.cursor() as cursor:
                        cursor.execute("SELECT who FROM signed ORDER BY id")
                        outcome["saw"] = [who for (who,) in cursor.fetchall()]
                    write(db, "b")
            except OperationalError as error:
                outcome["error"] = str(error)
            outcome["waited"] = time.monotonic() - started

    threads = [threading.Thread(target=first, daemon=True),
               threading.Thread(target=second, daemon=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
        assert not thread.is_alive(), "a writer never finished: the queue was not released"
    return outcome


def test_without_the_queue_a_second_writer_fails_with_database_is_locked(database):
    """The yardstick for the next test: Django's own backend, same timeout, same timing."""
    outcome = two_writers(database, stock)
    assert "database is locked" in outcome.get("error", "")
    assert rows(database) == ["a"]


def test_a_second_writer_waits_for_the_first_instead_of_failing(database):
    outcome = two_writers(database, queued)
    assert "error" not in outcome, outcome
    assert outcome["saw"] == ["a"]  # it began only after the first writer had committed
    assert outcome["waited"] >= HOLD * 0.8
    assert rows(database) == ["a", "b"]
    assert queue_is_free(database)


def in_a_thread(job: Callable[[], None]) -> float:
    """Run ``job`` in another thread (as another request would); seconds it took. Fails
    instead of hanging when the job is stuck behind a lock nobody releases."""
    done: dict[str, Any] = {}

    def run() -> None:
        started = time.monotonic()
        try:
            job()
        except BaseException as error:  # reported to the test below
            done["error"] = error
        done["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(2)
    assert not thread.is_alive(), "the next writer is still waiting: the queue was not released"
    if "error" in done:
        raise done["error"]
    return done["seconds"]


def next_writer(path: Path, who: str) -> Callable[[], None]:
    def job() -> None:
        with registered(wrapper(path, f"writer-{who}")) as db, transaction.atomic(using=db.alias):
            write(db, who)
    return job


def test_the_queue_is_held_for_the_whole_transaction_and_freed_by_its_commit(database):
    with registered(wrapper(database, "writer-main")) as db:
        with transaction.atomic(using=db.alias):
            assert not queue_is_free(database)
            write(db, "first")
            with transaction.atomic(using=db.alias):  # a savepoint does not end the transaction
                write(db, "nested")
            assert not queue_is_free(database)
        assert queue_is_free(database)
        assert in_a_thread(next_writer(database, "third")) < 1
    assert rows(database) == ["first", "nested", "third"]


def test_a_rollback_frees_the_queue(database):
    with registered(wrapper(database, "writer-main")) as db:
        with pytest.raises(RuntimeError), transaction.atomic(using=db.alias):
            write(db, "undone")
            raise RuntimeError("the request failed")
        assert queue_is_free(database)
        assert in_a_thread(next_writer(database, "third")) < 1
        with transaction.atomic(using=db.alias):  # and the same connection queues again
            assert not queue_is_free(database)
            write(db, "again")
    assert rows(database) == ["third", "again"]


def test_closing_a_connection_inside_its_transaction_frees_the_queue(database):
    with registered(wrapper(database, "writer-main")) as db:
        with transaction.atomic(using=db.alias):
            write(db, "lost")
            db.close()
            assert queue_is_free(database)
            assert in_a_thread(next_writer(database, "third")) < 1
        with transaction.atomic(using=db.alias):  # it reconnects and takes the lock again
            assert not queue_is_free(database)
            write(db, "after")
    assert rows(database) == ["third", "after"]


def test_a_transaction_that_cannot_begin_does_not_keep_the_queue(database):
    # A writer outside the queue (the sqlite3 shell, an old process) holds SQLite's own write
    # lock: BEGIN IMMEDIATE fails after the busy timeout, and the queue must not stay taken.
    outsider = sqlite3.connect(database, isolation_level=None)
    try:
        outsider.execute("BEGIN IMMEDIATE")
        with registered(wrapper(database, "writer-main")) as db:
            with pytest.raises(OperationalError, match="locked"), \
                    transaction.atomic(using=db.alias):
                write(db, "refused")
            assert queue_is_free(database)
    finally:
        outsider.execute("ROLLBACK")
        outsider.close()
    assert in_a_thread(next_writer(database, "third")) < 1
    assert rows(database) == ["third"]


def test_an_in_memory_database_makes_no_lock_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a ":memory:-writers.lock" would land
    for name in (":memory:", "file:writer-lock-test?mode=memory&cache=shared"):
        with registered(wrapper(name, "writer-memory")) as db, \
                transaction.atomic(using=db.alias), db.cursor() as cursor:
            cursor.execute("CREATE TABLE t (x INTEGER)")
            cursor.execute("INSERT INTO t VALUES (1)")
    assert list(tmp_path.iterdir()) == []


def autocommit_writer(path: Path, module: Any, holds: threading.Event) -> dict[str, Any]:
    """A write outside any transaction (as the task worker marks a task done) while another
    writer holds its transaction for HOLD seconds."""
    outcome: dict[str, Any] = {}

    def job() -> None:
        holds.wait(2)
        with registered(wrapper(path, "writer-autocommit", module)) as db:
            started = time.monotonic()
            try:
                write(db, "autocommit")
            except OperationalError as error:
                outcome["error"] = str(error)
            outcome["waited"] = time.monotonic() - started

    thread = threading.Thread(target=job, daemon=True)
    thread.start()
    with registered(wrapper(path, "writer-a", module)) as db, transaction.atomic(using=db.alias):
        write(db, "a")
        holds.set()
        time.sleep(HOLD)
    thread.join(5)
    assert not thread.is_alive()
    return outcome


@pytest.mark.parametrize("module", [stock, queued], ids=["stock", "queued"])
def test_a_write_outside_a_transaction_queues_too(database, module):
    outcome = autocommit_writer(database, module, threading.Event())
    if module is stock:  # the yardstick: SQLite's busy handler gives up
        assert "database is locked" in outcome.get("error", "")
        assert rows(database) == ["a"]
        return
    assert "error" not in outcome, outcome
    assert outcome["waited"] >= HOLD * 0.8
    assert rows(database) == ["a", "autocommit"]
    assert queue_is_free(database)


def test_reads_outside_a_transaction_do_not_queue(database):
    holder = os.open(queue_file(database), os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)  # a writer of another process holds the queue
    try:
        def read() -> None:
            with registered(wrapper(database, "reader")) as db, db.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM signed")
        assert in_a_thread(read) < 1
    finally:
        fcntl.flock(holder, fcntl.LOCK_UN)
        os.close(holder)
