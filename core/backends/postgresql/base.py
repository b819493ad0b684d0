"""PostgreSQL with a health check that costs no round trip while the connection is idle.

Django's ``CONN_HEALTH_CHECKS`` runs ``SELECT 1`` before the first query of every request that
reuses a connection: a round trip to the server per request, most of the client's database work
in a sign-on (the figures: docs/benchmarks.md, "PostgreSQL").

Between requests a connection is idle: the server sends nothing unless it is ending the session
(a restart, ``pg_terminate_backend``, an idle timeout: an error message, then end of file) or a
reported setting changed after a reload. So an idle socket with nothing to read is a live
connection as far as any query could tell; only when there is something to read is the
``SELECT 1`` run, which either drains a harmless message or finds the connection dead so that
Django opens a new one. A peer that vanished without a word (no FIN, no reset) passes either
check until TCP gives up, so the round trip bought nothing there.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        # After an error, or outside the idle state, only a query tells.
        if (not self.errors_occurred
                and connection.info.transaction_status == TransactionStatus.IDLE
                and not _has_input(connection.fileno())):
            return True
        return super().is_usable()


def _has_input(fd: int) -> bool:
    readable, _, failed = select.select([fd], [], [fd], 0)
    return bool(readable or failed)
