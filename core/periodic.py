"""The periodic jobs each app registers: retention, expiry, digests (run by ``ops.maintenance``).

An app registers its steps in its ``AppConfig.ready()``: ``register("ip_hashes_erased",
erase_old_ip_hashes)``. Several apps may contribute to one named step (signatures and comments
both erase IP hashes); their counts are added, and they run in one transaction. A step takes
the time of the run and returns how many records it changed. Every step must be idempotent and
bounded by dates, so that a run that is repeated, skipped or killed half-way leaves nothing
wrong: the next run finishes the work.

This module only keeps the list; it imports nothing of the domain (core is a leaf).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings

Step = Callable[[datetime], int]

_steps: dict[str, list[Step]] = {}


def register(name: str, step: Step) -> None:
    """Add ``step`` to the periodic step ``name`` (registering the same function twice is a
    no-op: ``ready()`` may run more than once in tests)."""
    contributors = _steps.setdefault(name, [])
    if step not in contributors:
        contributors.append(step)


def steps() -> list[tuple[str, list[Step]]]:
    """The registered steps, in the order they were first registered."""
    return [(name, list(contributors)) for name, contributors in _steps.items()]


def days(name: str, default: int) -> int:
    """A retention period from the configuration (``UNDERSIGNED[name]``), in days."""
    return int(settings.UNDERSIGNED.get(name) or default)


def archived_before(now: datetime) -> datetime:
    """Statements archived (their last change: archiving, or an edit after it) before this
    moment have had their retention time. ``updated_at`` can only be later than the moment of
    archiving, so addresses are never erased early."""
    return now - timedelta(days=days("EMAIL_RETENTION_DAYS_AFTER_ARCHIVE", 90))


def ip_hashes_before(now: datetime) -> datetime:
    """IP hashes stored before this moment are erased (docs/security.md, invariant 2)."""
    return now - timedelta(days=days("IP_HASH_RETENTION_DAYS", 30))
