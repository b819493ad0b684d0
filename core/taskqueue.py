"""The durable task queue's retry rules (django-tasks-db), shared by every app's mail tasks.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again: a
worker killed mid-task (SIGKILL, OOM, power loss) leaves it RUNNING forever, and a mail whose
SMTP server was briefly down ends FAILED. Both would be mails lost. Putting them back in the
queue (``recover_tasks``, run by the maintenance schedule) makes delivery at-least-once: a mail
may be sent twice (the worker died after the SMTP server accepted it but before marking it
done), never silently dropped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

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
