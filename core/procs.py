"""Who is whose child: one walk over Linux's /proc, for ``serve`` and the benchmark.

``undersigned serve`` stops whatever its dead children left behind (it is their subreaper), and
the benchmark finds every process of the app it started (granian's app processes, the task
workers) to sample their memory and to kill any that outlive a stop. Both need the same
answer: the processes whose parent is a given one, read from ``/proc/<pid>/stat``.

A zombie (state ``Z``: exited, not yet reaped by its parent) is left out. It holds no memory,
answers nothing and cannot be signalled away; to ``serve`` it is a child already stopped, and
its own children have been re-parented. Where /proc does not exist (not Linux), every answer is
empty.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

PROC = Path("/proc")


def _state_and_parent(stat: Path) -> tuple[str, int]:
    """The state letter and the parent's pid from a ``/proc/<pid>/stat`` file."""
    # The command name (field 2) may contain spaces and parentheses: fields follow the last ")".
    state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
    return state, int(ppid)


def children_of(*, zombies: bool = False) -> dict[int, list[int]]:
    """Every process's children, by parent pid, from one pass over /proc. Processes that exit
    during the pass are skipped; zombies are left out unless ``zombies``."""
    children: dict[int, list[int]] = {}
    for stat in PROC.glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            state, parent = _state_and_parent(stat)
            if zombies or state != "Z":
                children.setdefault(parent, []).append(int(stat.parent.name))
    return children


def living_children(parent: int) -> list[int]:
    """The processes whose parent is ``parent``, zombies left out."""
    return children_of().get(parent, [])


def descendants(pid: int) -> list[int]:
    """Every living process below ``pid`` (children, their children, …), each after its parent;
    ``pid`` itself is not included."""
    children = children_of()
    found: list[int] = []
    seen = {pid}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in seen:  # a pid reused during the pass cannot make us loop
                seen.add(child)
                found.append(child)
                todo.append(child)
    return found


def command_line(pid: int) -> str:
    """The process's command line, arguments separated by spaces ("" when it is gone or a
    zombie)."""
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace").strip()
    except OSError:
        return ""
