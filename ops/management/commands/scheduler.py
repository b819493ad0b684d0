"""``undersigned scheduler``: enqueue the maintenance task every few minutes.

django-tasks-db has no cron. This small loop only enqueues (deduplicated against the task table,
see ops.maintenance.enqueue_if_idle); the worker started by ``undersigned serve`` does the work,
so a slow maintenance run never blocks the loop. The loop itself also puts back in the queue the
tasks a killed worker left RUNNING (core.taskqueue.recover_tasks), and twice a second deletes
the page files (pages.files) that a change made stale and applies the sign-ons a surge left
in the intake (signatures.intake).
"""

from __future__ import annotations

import time
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from core.taskqueue import STALE_RUNNING_SECONDS, recover_tasks
from ops.maintenance import enqueue_if_idle, maintain
from ops.stopping import StopSignals
from pages import files as page_files
from signatures import intake


class Command(BaseCommand):
    help = "Enqueue the retention and digest task every few minutes (or run it once with --once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=300.0,
                            help="seconds between enqueues (default 300)")
        parser.add_argument("--stale-after", type=float, default=STALE_RUNNING_SECONDS,
                            help="seconds after which a RUNNING task is taken for orphaned")
        parser.add_argument("--once", action="store_true",
                            help="run the maintenance now, in this process, and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self.stdout.write(str(maintain()))
            return
        stopping = StopSignals()
        next_run = time.monotonic()
        sweep_pages = apps.is_installed("pages")
        while not stopping:
            if time.monotonic() >= next_run:
                close_old_connections()
                try:
                    # Recovery runs here, not as a task: it must work when the worker is stuck.
                    recover_tasks(timezone.now(), options["stale_after"])
                    enqueue_if_idle()
                except Exception as exc:  # the database may be restarting: try again later
                    self.stderr.write(f"scheduler: could not enqueue maintenance: {exc}")
                next_run = time.monotonic() + options["interval"]
            if sweep_pages:
                try:
                    # Every half second: page files nginx serves must go soon after a change.
                    page_files.sweep()
                except Exception as exc:
                    self.stderr.write(f"scheduler: could not sweep page files: {exc}")
            try:
                intake.apply_pending()
            except Exception as exc:
                self.stderr.write(f"scheduler: could not apply pending sign-ons: {exc}")
            time.sleep(0.5)
