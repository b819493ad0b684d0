"""A clean stop for the long-running commands (``serve``, ``scheduler``)."""

from __future__ import annotations

import signal
from types import FrameType


class StopSignals:
    """True once SIGTERM or SIGINT has arrived: the command's loop checks it and ends at a
    point of its choosing, instead of being cut wherever the signal found it."""

    def __init__(self) -> None:
        self.requested = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self.requested = True

    def __bool__(self) -> bool:
        return self.requested
