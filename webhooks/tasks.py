"""The worker's side of the webhooks: one task posts every due row (``webhooks.delivery``).

Waking it costs one shared-cache ``add`` per committed event: while a run is queued and not
started, further events add no task row (the run deletes the marker before it looks for due
rows, so an event committed after that wakes a new run). A retry that is not due yet gets a
run scheduled for its time (``run_after``), one at a time; the maintenance schedule wakes a
run too (``webhooks_woken``), for rows a killed process never woke a run for.
"""

from __future__ import annotations

from datetime import datetime

from django.tasks import task
from django.utils import timezone

from core.generations import shared_cache
from webhooks import delivery

QUEUED_MARKER = "webhooks:run-queued"
RETRY_MARKER = "webhooks:retry-at"
# A queued run lost with its process stops blocking new ones after this.
MARKER_SECONDS = 60


def wake() -> None:
    """Queue a delivery run unless one is queued and not started yet."""
    if shared_cache().add(QUEUED_MARKER, 1, timeout=MARKER_SECONDS):
        deliver_webhooks.enqueue()


def _schedule_retry(now: datetime) -> None:
    when = delivery.next_due()
    if when is None or when <= now:
        return
    cache = shared_cache()
    planned = cache.get(RETRY_MARKER)
    if planned is not None and now.timestamp() <= planned <= when.timestamp():
        return  # a run is planned before this retry is due: it schedules the next
    cache.set(RETRY_MARKER, when.timestamp(),
              timeout=int((when - now).total_seconds()) + MARKER_SECONDS)
    deliver_webhooks.using(run_after=when).enqueue()


@task()
def deliver_webhooks() -> int:
    shared_cache().delete(QUEUED_MARKER)
    delivered = delivery.deliver_due()
    _schedule_retry(timezone.now())
    return delivered


def wake_if_due(now: datetime) -> int:
    """The maintenance schedule's step: wake a run when rows are due (returns 1 then)."""
    when = delivery.next_due()
    if when is not None and when <= now:
        wake()
        return 1
    return 0
