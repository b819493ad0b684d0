"""The maintenance schedule, run by the task worker.

``undersigned scheduler`` (ops/management/commands/scheduler.py) enqueues ``run_maintenance``
every few minutes; the worker beside the server runs it. It runs the task queue's recovery
(``core.taskqueue.recover_tasks``) and then every step the apps registered in
``core.periodic`` — each step name in its own transaction, so that one failing step does not
undo the others. What the apps register (docs/security.md, invariant 2):

- IP hashes older than IP_HASH_RETENTION_DAYS are erased (signatures and comments);
- unconfirmed signatures older than UNCONFIRMED_EXPIRY_DAYS are deleted;
- signers' and commenters' addresses are erased EMAIL_RETENTION_DAYS_AFTER_ARCHIVE days after
  their statement was archived; the public record (names shown, comment text) stays;
- moderators get their digest of held comments;
- the pages of surges that ended by themselves are refreshed.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from core import periodic
from core.taskqueue import recover_tasks

logger = logging.getLogger("undersigned.maintenance")

MAINTENANCE_TASK_PATH = "ops.maintenance.run_maintenance"


def steps() -> list[tuple[str, list[periodic.Step]]]:
    """What a run does, in order: the queue's recovery first, then the apps' steps."""
    return [("tasks_recovered", [recover_tasks]), *periodic.steps()]


def maintain(now: datetime | None = None) -> dict[str, int]:
    """Run every step, each in its own transaction: one failing step does not undo the others."""
    now = now or timezone.now()
    results: dict[str, int] = {}
    for name, contributors in steps():
        try:
            with transaction.atomic():
                results[name] = sum(int(step(now) or 0) for step in contributors)
        except Exception:
            logger.exception("maintenance step %s failed", name)
            results[name] = -1
    # Nothing else here changes a public page (unconfirmed sign-ons, addresses and hashes are
    # never shown), so the page cache is left alone; refresh_ended_surges tells it itself.
    logger.info("maintenance: %s", results)
    return results


@task(priority=-10)
def run_maintenance() -> dict[str, int]:
    return maintain()


def enqueue_if_idle() -> bool:
    """Enqueue ``run_maintenance`` unless one is already waiting or running (deduplicated
    through the task table, so several schedulers or a restart cannot pile runs up)."""
    from django_tasks_db.models import DBTaskResult

    pending = DBTaskResult.objects.filter(task_path=MAINTENANCE_TASK_PATH,
                                          status__in=["READY", "RUNNING"])
    if pending.exists():
        return False
    run_maintenance.enqueue()
    return True
