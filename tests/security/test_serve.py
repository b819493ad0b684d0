"""`undersigned serve` leaves nothing behind: if granian's main process dies, its app processes
would otherwise go on answering on the port, unseen, beside whatever is started next."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from core.procs import living_children
from tests.conftest import free_port
from tests.livesite import Site


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _command(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_when_the_app_server_dies_serve_stops_and_nothing_answers(tmp_path: Path) -> None:
    site = Site(tmp_path, free_port(), database_suffix="serve")  # no mail is sent: nothing listens
    try:
        site.setup()
        site.start()
        serve = site.group  # the shell exec'd serve: same process
        [granian] = [pid for pid in living_children(serve) if b"granian" in _command(pid)]
        app_processes = living_children(granian)
        assert len(app_processes) == 2
        assert site.request("GET", "/healthz")[0] == 200

        os.kill(granian, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while _alive(serve) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(serve), "serve did not stop when granian died"
        assert not [pid for pid in app_processes if _alive(pid)], "app processes left behind"
        with pytest.raises(OSError):
            site.request("GET", "/healthz")
    finally:
        site.stop()
        site.drop()
