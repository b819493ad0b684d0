"""Background work that gives way while every core is busy with something more urgent.

The task workers already run at a low priority (``nice``), but the kernel still gives them a
share of a saturated machine, and a mail costs about a millisecond of CPU to build. In a surge
of sign-ons that share is better spent answering signers: their sign-ons are stored and their
mails queued either way, so a mail may wait a little (signatures/tasks.py).

The wait happens between two mails, outside any transaction or lock, so a waiting worker never
holds up a writer. It is bounded: a mail waits at most ``MAX_WAIT_SECONDS``, so mail keeps
flowing, slowly, even when the machine stays busy.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

LOADAVG = Path("/proc/loadavg")
MAX_WAIT_SECONDS = 2.0
CHECK_EVERY_SECONDS = 0.02


def all_cores_busy() -> bool:
    """Whether other tasks, running or ready to run, fill every core now (Linux; elsewhere,
    where the system does not tell, never)."""
    try:
        running = int(LOADAVG.read_text().split()[3].split("/")[0])
    except (OSError, IndexError, ValueError):
        return False
    return running - 1 >= (os.cpu_count() or 1)  # the caller is running too


def wait_while(busy: Callable[[], bool], max_seconds: float | None = None) -> float:
    """Wait while ``busy()`` says so, at most ``max_seconds`` (default MAX_WAIT_SECONDS);
    returns the seconds waited."""
    limit = MAX_WAIT_SECONDS if max_seconds is None else max_seconds
    started = time.monotonic()
    while time.monotonic() - started < limit and busy():
        time.sleep(CHECK_EVERY_SECONDS)
    return time.monotonic() - started
