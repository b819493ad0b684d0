"""One queue for the writers of a SQLite file across processes: an exclusive ``flock``.

SQLite allows one writer at a time, and a writer that finds the lock taken polls: its busy
handler sleeps 1, 2, 5, 10 … 100 ms between tries, though the lock is held for well under a
millisecond. Under a burst of posts the app processes spent more time in those sleeps than in
work. A writer that first takes an exclusive ``flock`` on a file beside the database sleeps in
the kernel instead, and the next one is woken the moment the lock is released. The kernel
drops the lock if its holder dies, so a killed process never blocks the others.

Used by the site's database (``core.backends.sqlite3``) and by the shared cache
(``core.sqlitecache``): every rate-limit count and generation bump is a write of the cache file,
which the app processes and the task workers share (docs/benchmarks.md, round 18).

A ``flock`` belongs to an open file, which every thread of a process would share: keep one
``WriterQueue`` per connection, and so per thread.
"""

from __future__ import annotations

import fcntl
import os
from types import TracebackType


def queue_file(database: str | os.PathLike[str]) -> str:
    """The lock file of a SQLite database's writers' queue: beside the database, named after
    it (every process and test that queues for one database must name the same file)."""
    return f"{os.fspath(database)}-writers.lock"


class WriterQueue:
    def __init__(self, path: str) -> None:
        self.path = path
        self.held = False
        self._fd: int | None = None

    def take(self) -> None:
        if self.held:
            return
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        self.held = True

    def release(self) -> None:
        if self.held and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self.held = False

    def close(self) -> None:
        self.release()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WriterQueue:
        self.take()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.release()
