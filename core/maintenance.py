"""Retention and periodic jobs, run by the task worker on a schedule.

``undersigned scheduler`` (core/management/commands/scheduler.py) enqueues ``run_maintenance``
every few minutes; the worker beside the server runs it. Every step is idempotent and bounded by
dates, so a run that is repeated, skipped or killed half-way leaves nothing wrong: the next run
finishes the work.

What it enforces (DESIGN.md invariant 2 and issue 6):
- IP hashes older than IP_HASH_RETENTION_DAYS are erased (signatures and comments);
- unconfirmed signatures older than UNCONFIRMED_EXPIRY_DAYS are deleted;
- signers' and commenters' addresses are erased EMAIL_RETENTION_DAYS_AFTER_ARCHIVE days after
  their statement was archived; the public record (names shown, comment text) stays;
- moderators get their digest of held comments;
- tasks orphaned by a killed worker, and mails that failed on a network error, are queued again
  (at-least-once delivery; see recover_tasks).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger("undersigned.maintenance")

MAINTENANCE_TASK_PATH = "core.maintenance.run_maintenance"


def _days(name: str, default: int) -> int:
    return int(settings.UNDERSIGNED.get(name) or default)


def _optional(path: str) -> Callable[..., Any] | None:
    """A step another app provides; missing ones are logged, not fatal (the rest still runs)."""
    module_name, _, attribute = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError):
        logger.warning("maintenance step %s is not available", path)
        return None


def erase_old_ip_hashes(now: datetime) -> int:
    from signatures.models import Signature

    before = now - timedelta(days=_days("IP_HASH_RETENTION_DAYS", 30))
    erased = Signature.objects.filter(created_at__lt=before).exclude(ip_hash="").update(ip_hash="")
    comments_step = _optional("comments.actions.erase_old_ip_hashes")
    if comments_step:
        erased += comments_step(before)
    return erased


def expire_unconfirmed(now: datetime) -> int:
    step = _optional("signatures.actions.expire_unconfirmed")
    return step(now) if step else 0


def archived_before(now: datetime) -> datetime:
    """Statements archived (their last change: archiving, or an edit after it) before this
    moment have had their retention time. ``updated_at`` can only be later than the moment of
    archiving, so addresses are never erased early."""
    return now - timedelta(days=_days("EMAIL_RETENTION_DAYS_AFTER_ARCHIVE", 90))


def erase_emails_of_archived(now: datetime) -> int:
    from signatures.models import Signature
    from statements.models import Statement

    before = archived_before(now)
    statements = Statement.objects.filter(status=Statement.Status.ARCHIVED, updated_at__lt=before)
    # The unique constraint on (statement, email) ignores empty addresses, so blanking is safe;
    # names and everything shown publicly stay as they were.
    erased = (Signature.objects.filter(statement__in=statements).exclude(email="")
              .update(email="", ip_hash=""))
    comments_step = _optional("comments.actions.erase_emails_of_archived")
    if comments_step:
        erased += comments_step(before)
    return erased


# --- the task queue's own recovery ---------------------------------------------------------------
# django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again: a
# worker killed mid-task (SIGKILL, OOM, power loss) leaves it RUNNING forever, and a mail whose
# SMTP server was briefly down ends FAILED. Both would be mails lost. Putting them back in the
# queue makes delivery at-least-once: a mail may be sent twice (the worker died after the SMTP
# server accepted it but before marking it done), never silently dropped.
STALE_RUNNING_SECONDS = 15 * 60
RETRY_QUEUES = ("mail",)
RETRYABLE_ERRORS = ("smtplib.", "socket.", "ssl.", "builtins.ConnectionRefusedError",
                    "builtins.ConnectionResetError", "builtins.ConnectionAbortedError",
                    "builtins.TimeoutError", "builtins.OSError", "builtins.BrokenPipeError")
MAX_ATTEMPTS = 8


def retryable(error: BaseException) -> bool:
    """Whether a mail task failing with ``error`` is tried again by ``recover_tasks``."""
    path = f"{type(error).__module__}.{type(error).__qualname__}"  # as django-tasks-db stores it
    return path.startswith(RETRYABLE_ERRORS)


def retry_only(context: Any, **kwargs: Any) -> None:
    """Replace keyword arguments in the running task's own row, so that a retry of the task
    runs only what is left (a batch of mails records the ones not sent yet, then fails). The
    worker saves only the row's status fields when the task ends, so the change stays."""
    from django_tasks_db.models import DBTaskResult

    row = DBTaskResult.objects.filter(pk=context.task_result.id).only("args_kwargs").first()
    if row is None:  # not run from the task table (an immediate backend): no retry to narrow
        return
    arguments = row.args_kwargs
    arguments.setdefault("kwargs", {}).update(kwargs)
    DBTaskResult.objects.filter(pk=row.pk).update(args_kwargs=arguments)


def _requeue(queryset: Any) -> int:
    return queryset.update(status="READY", started_at=None, finished_at=None,
                           exception_class_path="", traceback="", return_value=None)


def recover_tasks(now: datetime, stale_after: float = STALE_RUNNING_SECONDS) -> int:
    """Requeue tasks orphaned by a killed worker, and mails that failed on a network error
    (with a growing pause between attempts; each claim adds a worker id, so that counts them)."""
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult

    recovered = _requeue(DBTaskResult.objects.filter(
        status="RUNNING", started_at__lt=now - timedelta(seconds=stale_after)))
    transient = Q()
    for prefix in RETRYABLE_ERRORS:
        transient |= Q(exception_class_path__startswith=prefix)
    for task_result in (DBTaskResult.objects.filter(status="FAILED", queue_name__in=RETRY_QUEUES)
                        .filter(transient).only("id", "finished_at", "worker_ids")[:500]):
        attempts = len(task_result.worker_ids or [])
        # 10 s, 40 s, 160 s, … up to 6 h: a blip of the mail server costs seconds, an outage
        # is not hammered.
        pause = timedelta(seconds=min(10 * 4 ** max(attempts - 1, 0), 6 * 3600))
        if attempts < MAX_ATTEMPTS and task_result.finished_at and task_result.finished_at < now - pause:
            recovered += _requeue(DBTaskResult.objects.filter(pk=task_result.pk, status="FAILED"))
    return recovered


def send_digest(now: datetime) -> int:
    step = _optional("comments.actions.send_moderation_digest")
    return step(now) if step else 0


def refresh_ended_surges(now: datetime) -> int:
    step = _optional("statements.actions.refresh_ended_surges")
    return step(now) if step else 0


STEPS: list[tuple[str, Callable[[datetime], int]]] = [
    ("tasks_recovered", recover_tasks),
    ("ip_hashes_erased", erase_old_ip_hashes),
    ("unconfirmed_expired", expire_unconfirmed),
    ("archived_emails_erased", erase_emails_of_archived),
    ("digests_sent", send_digest),
    ("surge_pages_refreshed", refresh_ended_surges),
]


def maintain(now: datetime | None = None) -> dict[str, int]:
    """Run every step, each in its own transaction: one failing step does not undo the others."""
    now = now or timezone.now()
    results: dict[str, int] = {}
    for name, step in STEPS:
        try:
            with transaction.atomic():
                results[name] = int(step(now) or 0)
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
