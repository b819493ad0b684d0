"""``undersigned serve``: granian (RSGI) for the site, the task workers and the scheduler.

All run as child processes; SIGTERM or SIGINT stops them cleanly (a worker finishes the task in
hand, granian drains its connections), and if one dies the others are stopped too so a
supervisor such as systemd restarts them together.

Granian's app processes are its children, not ours. If granian's main process dies (killed, or
a signal that arrives while it is still starting) they would live on, re-parented to init, and
go on answering on the port beside whatever is started next — old code serving part of the
traffic, unseen. So ``serve`` makes itself their parent instead (Linux's child subreaper) and
stops every process it adopted before it exits. systemd's default of killing the unit's whole
control group does the same for the unit; this covers ``make run`` and other supervisors.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from core.procs import living_children
from ops.stopping import StopSignals


def _in_background() -> None:
    """Background work (mail, maintenance) yields the CPU to visitors: in a surge the app
    processes answer first and the mail queue drains when they leave a core idle. Safe with
    SQLite because writers queue on a lock in the kernel: an app process waiting for it sleeps,
    so a worker holding it gets the CPU at once."""
    os.nice(settings.CONFIG.background_niceness)


PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h
# Granian drains an app process's requests for at most this long when stopping, then kills it.
WORKERS_KILL_SECONDS = 10


def _adopt_orphans() -> None:
    """Processes our children leave behind become our children (Linux; elsewhere a no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _adopted(known: set[int]) -> list[int]:
    """Our living children other than ``known``: what a dead child left behind."""
    return [pid for pid in living_children(os.getpid()) if pid not in known]


def _stop_adopted(known: set[int], grace: float = 5) -> None:
    """SIGTERM, then SIGKILL for whatever is still there ``grace`` seconds later."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        stray = _adopted(known)
        for pid in stray:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while stray and time.monotonic() < deadline:
            time.sleep(0.1)
            stray = _adopted(known)
        if not stray:
            break
    # Reap them (they are our children now), so that none is left a zombie.
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def default_workers(vendor: str | None = None) -> int:
    """One app process per core (at least 2) on SQLite, where the database is a library call and
    a process never waits for it. Two per core (at least 4) on PostgreSQL: a process waits for
    the server's answer to every query and for each commit's flush, and a second process per
    core fills that time; page-cache hits served by the app itself lose a little, and behind
    the shipped nginx those are served by nginx instead (docs/benchmarks.md, round 6)."""
    per_core = 2 if (vendor or connection.vendor) == "postgresql" else 1  # PostGIS included
    return max(2 * per_core, per_core * (os.cpu_count() or 1))


class Command(BaseCommand):
    help = "Serve the site with granian and run the background task worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.CONFIG.port)
        parser.add_argument("--workers", type=int, default=settings.CONFIG.workers or None,
                            help="app processes (default: one per core, at least 2; on PostgreSQL two per "
                                 "core, at least 4)")
        parser.add_argument("--task-workers", type=int,
                            default=settings.CONFIG.task_workers,
                            help="task worker processes (mail; default 2: one mostly waits on the "
                                 "SMTP server while the other renders)")
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start the task worker (run it elsewhere)")
        parser.add_argument("--no-collectstatic", action="store_true")
        parser.add_argument("--threads", type=int, default=settings.CONFIG.threads,
                            help="Django threads per app process (default 1: one thread per "
                                 "process avoids fighting over the GIL; cached pages and request "
                                 "bodies are handled beside them, on the process's event loop)")
        parser.add_argument("--app", default="undersigned.rsgi:application",
                            help=argparse.SUPPRESS)  # the benchmark points this at its own wrapper

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        workers = options["workers"] or default_workers()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "undersigned.settings",
               "UNDERSIGNED_THREADS": str(options["threads"])}
        server_cmd = [
            # RSGI, not WSGI: granian's WSGI interface reads the body in the app thread, with no
            # deadline, so two clients trickling a body froze the whole site. core/rsgi.py
            # receives it on the event loop with a deadline, and only then calls Django.
            sys.executable, "-m", "granian", "--interface", "rsgi",
            # uvloop, not asyncio's loop: granian hands every request to the loop from its own
            # threads, and asyncio wakes its loop with a socket write each time (a quarter of
            # a cached page's time; docs/benchmarks.md, round 19).
            "--loop", "uvloop",
            "--host", options["host"], "--port", str(options["port"]),
            "--workers", str(workers),
            # A deep backlog: a burst of visitors waits in the kernel instead of being refused.
            "--backlog", "4096", "--no-ws", "--log-level", "warning",
            # An app process that ignores the stop (seen under load: granian's worker stuck
            # after its server loop ended) is killed instead of holding the shutdown forever.
            "--workers-kill-timeout", str(WORKERS_KILL_SECONDS),
            options["app"],
        ]
        worker_cmd = [sys.executable, "-m", "undersigned.cli", "db_worker",
                      "--queue-name", "*", "--interval", "0.2", "--no-reload"]
        _adopt_orphans()
        # Children from before (a shell's `scheduler & exec undersigned serve`) are not ours
        # to stop.
        inherited = set(_adopted(set()))
        children = [subprocess.Popen(server_cmd, env=env)]
        if not options["no_worker"]:
            children += [subprocess.Popen(worker_cmd, env=env, preexec_fn=_in_background)
                         for _ in range(max(1, options["task_workers"]))]
            # Queues retention, the moderators' digest and the retry of stuck mail tasks.
            children.append(subprocess.Popen(
                [sys.executable, "-m", "undersigned.cli", "scheduler"], env=env,
                preexec_fn=_in_background))
        # Commands run later in another terminal link to this port (config.served_base_url).
        settings.CONFIG.note_served_at(options["port"])
        self.stdout.write(f"undersigned serving on http://{options['host']}:{options['port']}/ "
                          f"with {workers} app processes", self.style.SUCCESS)
        self.stdout.flush()

        stopping = StopSignals()
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.2)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 30
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
            _stop_adopted(inherited | {child.pid for child in children})
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stopping:
            raise SystemExit(1)
