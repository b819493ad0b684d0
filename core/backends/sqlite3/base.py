"""SQLite with one queue for writers across processes (``core.writers``).

With ``transaction_mode=IMMEDIATE`` every transaction asks for SQLite's write lock at BEGIN, and
a process that finds it taken polls in SQLite's busy handler: under a burst of sign-ons the app
processes spent more time in its sleeps than in work (each used half a core). Here a
transaction first takes the writers' queue, a ``flock`` on a file beside the database.

A write outside a transaction (autocommit: the task worker marks its tasks done that way) takes
the same lock around its one statement. Otherwise it would meet a writer in SQLite's busy
handler, and the app process waiting behind it would sleep there while holding the lock file,
stalling every other writer (measured: app processes idle a third of the time while the mail
workers ran).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.sqlite3 import base

from core.writers import WriterQueue, queue_file

# Statements that write: the first word, upper-cased (WITH … INSERT is rare enough to take the
# lock for any WITH).
WRITING = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "WITH", "CREATE", "DROP", "ALTER"})


def _writes(query: str) -> bool:
    return query.lstrip()[:7].split(None, 1)[0].upper() in WRITING if query.strip() else False


class CursorWrapper(base.SQLiteCursorWrapper):
    database: DatabaseWrapper

    def execute(self, query: str, params: Any = None) -> Any:
        if not self.database.writes_alone(query):
            return super().execute(query, params)
        with self.database.writer_lock():
            return super().execute(query, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        if not self.database.writes_alone(query):
            return super().executemany(query, param_list)
        with self.database.writer_lock():
            return super().executemany(query, param_list)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writers: WriterQueue | None = None

    def create_cursor(self, name: str | None = None) -> CursorWrapper:
        cursor = self.connection.cursor(factory=CursorWrapper)
        cursor.database = self
        return cursor

    def writes_alone(self, query: str) -> bool:
        """A write that autocommits (no transaction open, so no writers' lock held yet)."""
        return not (self._writer_locked or self.connection.in_transaction) and _writes(query)

    @property
    def _writer_locked(self) -> bool:
        return self._writers is not None and self._writers.held

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        self._take_writer_lock()
        try:
            yield
        finally:
            self._release_writer_lock()

    def _writer_lock_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or not name:
            return None
        return queue_file(name)

    def _take_writer_lock(self) -> None:
        if self._writers is None:
            path = self._writer_lock_path()
            if path is None:
                return
            self._writers = WriterQueue(path)
        self._writers.take()

    def _release_writer_lock(self) -> None:
        if self._writers is not None:
            self._writers.release()

    def _start_transaction_under_autocommit(self) -> None:
        self._take_writer_lock()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # not in the stubs
        except BaseException:
            self._release_writer_lock()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # not in the stubs
        finally:
            if self.connection is None or not self.connection.in_transaction:
                self._release_writer_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # not in the stubs
        finally:
            self._release_writer_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # not in the stubs
        finally:
            if self._writers is not None:
                self._writers.close()
                self._writers = None
