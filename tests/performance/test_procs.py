"""core/procs.py: the one walk over /proc that `serve` (stopping what its dead children left
behind) and the benchmark (the app's processes, their memory) both use."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import procs

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="Linux /proc only")

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_finds_a_child_and_its_child() -> None:
    # The child starts a grandchild and waits on it: both are below this process.
    child = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; "
                              f"subprocess.Popen({SLEEPER!r}); time.sleep(60)"])
    try:
        deadline = time.monotonic() + 20
        while not procs.living_children(child.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        [grandchild] = procs.living_children(child.pid)
        assert child.pid in procs.living_children(os.getpid())
        below = procs.descendants(os.getpid())
        assert below.index(child.pid) < below.index(grandchild)  # each after its parent
        assert procs.descendants(child.pid) == [grandchild]
        assert "time.sleep(60)" in procs.command_line(grandchild)
    finally:
        for pid in procs.descendants(child.pid):
            os.kill(pid, signal.SIGKILL)
        child.kill()
        child.wait()


def test_a_zombie_is_not_a_living_child() -> None:
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 20
        while _state(exited.pid) != "Z" and time.monotonic() < deadline:  # exited, not reaped
            time.sleep(0.05)
        assert _state(exited.pid) == "Z"
        assert exited.pid not in procs.living_children(os.getpid())
        assert exited.pid not in procs.descendants(os.getpid())
        assert exited.pid in procs.children_of(zombies=True)[os.getpid()]
        assert procs.command_line(exited.pid) == ""
    finally:
        exited.wait()
    assert exited.pid not in procs.children_of(zombies=True).get(os.getpid(), [])


def test_a_process_that_is_gone_has_no_children_and_no_command() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert procs.living_children(gone.pid) == []
    assert procs.descendants(gone.pid) == []
    assert procs.command_line(gone.pid) == ""
