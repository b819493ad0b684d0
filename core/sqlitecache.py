"""A Django cache backend in its own SQLite file: shared by every app process, no service to run.

Why not Django's FileBasedCache: every ``set``/``add`` there lists the whole cache directory to
decide whether to cull, so each rate-limit hit of a sign-on costs milliseconds once the cache
holds a few thousand keys (measured: 8.7 ms per ``add`` at ~1,000 files, 35 ms per sign-on POST),
and its ``incr`` is a read-modify-write that two processes can interleave and lose.

Here each operation is one indexed statement on a WAL database kept apart from the site's
database (its writes never wait for, or delay, a sign-on's transaction); integers are stored as
SQLite integers so ``incr`` is a single atomic UPDATE. Durability is not needed (it is a cache):
``synchronous=OFF``. Expired rows are purged now and then, and the table is kept under
``MAX_ENTRIES`` by dropping the rows closest to expiry.

Every write first takes the cache file's writers' queue (``core.writers``), as the site's
database does: every sign-on and comment counts its rate limits here, in a write transaction
that the app processes and the task workers share, and a writer that met the lock taken slept
in SQLite's busy handler, many times longer than the write (docs/benchmarks.md, round 18).
"""

from __future__ import annotations

import pickle
import random
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

from core.writers import WriterQueue, queue_file

NEVER = 1e18  # expiry of keys stored with timeout=None
PURGE_EVERY = 2000  # writes between purges of expired rows (per process, randomised)


class SQLiteCache(BaseCache):
    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.path = Path(location)
        self._local = threading.local()
        self._writes = random.randrange(PURGE_EVERY)

    # --- plumbing -------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                   check_same_thread=False)
            writers = WriterQueue(queue_file(self.path))
            # In the queue: two connections that turn a new file to WAL at once each hold a
            # shared lock and wait for the other's, and SQLite answers one of them "database is
            # locked" at once, without its busy handler (docs/decisions.md).
            with writers:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY,"
                             " value BLOB, expires REAL NOT NULL) WITHOUT ROWID")
                conn.execute("CREATE INDEX IF NOT EXISTS cache_expires ON cache (expires)")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA busy_timeout=10000")
            self._local.conn = conn
            self._local.writers = writers
        return conn

    def _writing(self) -> WriterQueue:
        """This thread's place in the writers' queue of the cache file (with its connection)."""
        self._db()
        return self._local.writers

    def _expiry(self, timeout: Any) -> float:
        seconds = self.get_backend_timeout(timeout)
        return NEVER if seconds is None else seconds

    @staticmethod
    def _dump(value: Any) -> Any:
        # Integers stay integers so that incr() is one UPDATE; everything else is pickled.
        if type(value) is int and -(2**63) <= value < 2**63:
            return value
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def _load(value: Any) -> Any:
        return value if isinstance(value, int) else pickle.loads(value)  # noqa: S301 (own data)

    def _wrote(self) -> None:
        self._writes += 1
        if self._writes % PURGE_EVERY == 0:
            self._purge()

    def _purge(self) -> None:
        db = self._db()
        with self._writing():
            db.execute("DELETE FROM cache WHERE expires < ?", (time.time(),))
        (count,) = db.execute("SELECT count(*) FROM cache").fetchone()
        if count > self._max_entries:
            excess = count - self._max_entries + self._max_entries // max(self._cull_frequency, 1)
            with self._writing():
                db.execute("DELETE FROM cache WHERE key IN (SELECT key FROM cache WHERE"
                           " expires < ? ORDER BY expires LIMIT ?)", (NEVER, excess))

    # --- the cache API --------------------------------------------------------------------

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        row = self._db().execute("SELECT value FROM cache WHERE key = ? AND expires > ?",
                                 (key, time.time())).fetchone()
        return default if row is None else self._load(row[0])

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        wanted = {self.make_and_validate_key(k, version=version): k for k in keys}
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self._db().execute(
            f"SELECT key, value FROM cache WHERE key IN ({marks}) AND expires > ?",  # noqa: S608
            (*wanted, time.time())).fetchall()
        return {wanted[key]: self._load(value) for key, value in rows}

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT,
            version: int | None = None) -> None:
        key = self.make_and_validate_key(key, version=version)
        row = (key, self._dump(value), self._expiry(timeout))
        db = self._db()
        with self._writing():
            db.execute("INSERT OR REPLACE INTO cache (key, value, expires) VALUES (?, ?, ?)", row)
        self._wrote()

    def set_many(self, data: dict[str, Any], timeout: Any = DEFAULT_TIMEOUT,
                 version: int | None = None) -> list[str]:
        expires = self._expiry(timeout)
        rows = [(self.make_and_validate_key(k, version=version), self._dump(v), expires)
                for k, v in data.items()]
        db = self._db()
        with self._writing():
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT OR REPLACE INTO cache (key, value, expires)"
                               " VALUES (?, ?, ?)", rows)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        self._wrote()
        return []

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT,
            version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        now = time.time()
        row = (key, self._dump(value), self._expiry(timeout), now)
        db = self._db()
        with self._writing():
            cursor = db.execute(
                "INSERT INTO cache (key, value, expires) VALUES (?, ?, ?) ON CONFLICT(key) DO"
                " UPDATE SET value = excluded.value, expires = excluded.expires"
                " WHERE cache.expires <= ?", row)
        self._wrote()
        return cursor.rowcount > 0

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        db = self._db()
        with self._writing():
            row = db.execute(
                "UPDATE cache SET value = value + ? WHERE key = ? AND expires > ?"
                " AND typeof(value) = 'integer' RETURNING value",
                (delta, key, time.time())).fetchone()
        if row is None:
            raise ValueError(f"Key '{key}' not found or not an integer")
        return row[0]

    def count_events(self, windows: list[tuple[str, int]], version: int | None = None, *,
                     allowed: list[int] | None = None) -> list[int]:
        """Count one event under each ``(key, seconds)``, all in one transaction; returns the
        counts. A key whose window has expired starts again at 1. (Rate limits: one round trip
        per request instead of an ``add`` and an ``incr`` per limit.) With ``allowed`` (one
        maximum per key), counting stops after the first key whose count exceeds its maximum:
        the keys after it are not counted and the list returned is shorter."""
        now = time.time()
        # make_key, not make_and_validate_key: the rate limits' keys are short hex digests of
        # ours, and the memcached-safety scan of every character cost ~20 µs a key per request.
        make_key = self.make_key
        db = self._db()
        with self._writing():
            db.execute("BEGIN IMMEDIATE")
            try:
                counts = []
                for index, (key, seconds) in enumerate(windows):
                    counts.append(db.execute(
                        "INSERT INTO cache (key, value, expires) VALUES (?, 1, ?) ON CONFLICT(key)"
                        " DO UPDATE SET value = CASE WHEN cache.expires <= ? OR"
                        " typeof(cache.value) != 'integer' THEN 1 ELSE cache.value + 1 END,"
                        " expires = CASE WHEN cache.expires <= ? THEN excluded.expires"
                        " ELSE cache.expires END RETURNING value",
                        (make_key(key, version=version), now + seconds, now, now),
                    ).fetchone()[0])
                    if allowed is not None and counts[-1] > allowed[index]:
                        break
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        self._wrote()
        return counts

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        db = self._db()
        with self._writing():
            cursor = db.execute("UPDATE cache SET expires = ? WHERE key = ? AND expires > ?",
                                (self._expiry(timeout), key, time.time()))
        return cursor.rowcount > 0

    def has_key(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._db().execute("SELECT 1 FROM cache WHERE key = ? AND expires > ?",
                                  (key, time.time())).fetchone() is not None

    def delete(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        db = self._db()
        with self._writing():
            return db.execute("DELETE FROM cache WHERE key = ?", (key,)).rowcount > 0

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        for key in keys:
            self.delete(key, version=version)

    def clear(self) -> None:
        db = self._db()
        with self._writing():
            db.execute("DELETE FROM cache")

    def close(self, **kwargs: Any) -> None:
        # Connections live for the thread: reopening one per request would cost more than
        # the queries themselves.
        pass
