"""An RSGI application that tells which thread answered it, for test_rsgi_seams: granian serves
it in processes of its own (``tests.performance.scheduler_probe:application``).

``/page`` stands for a cached page: the fast path answers it wherever it is asked. ``/stall``
is answered only on the event loop, after stalling it for ``STALL_SECONDS``; the file named by
``PROBE_STALLING`` is written when the stall begins."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

from core import rsgi

STALL_SECONDS = 3.0


def _where() -> bytes:
    return b"loop" if asyncio._get_running_loop() is not None else b"scheduler"


def _fast_path(environ: dict[str, Any], protocol: Any) -> bool:
    path = environ["PATH_INFO"]
    if path == "/stall" and not environ.get(rsgi.BEFORE_THE_LOOP):
        Path(os.environ["PROBE_STALLING"]).touch()
        time.sleep(STALL_SECONDS)  # holds the event loop, as a long stretch of work on it would
    elif path != "/page":
        return False
    protocol.response_bytes(200, [("Content-Type", "text/plain")], _where())
    return True


def _not_found(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b""]


application = rsgi.RSGIApplication(_not_found, fast_path=_fast_path)
rsgi.answer_before_the_loop(application)
