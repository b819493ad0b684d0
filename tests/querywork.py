"""What a request does to the database, in a form two requests can be compared by: a form
whose work depends on whether an address is known tells a stranger who signed (a timing
oracle). Comparing the statements run is deterministic where timing them is not."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

_LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")
WRITES = ("INSERT", "UPDATE", "DELETE")


def shape(sql: str) -> str:
    """The statement with its values blanked: what the database was asked to do, not with what."""
    return _LITERAL.sub("?", sql).strip()


@contextmanager
def statements() -> Iterator[list[str]]:
    """The shapes of every statement run inside the block (filled in when it ends)."""
    shapes: list[str] = []
    with CaptureQueriesContext(connection) as captured:
        yield shapes
    shapes.extend(shape(query["sql"]) for query in captured.captured_queries)


def writes(shapes: list[str]) -> list[str]:
    return [sql for sql in shapes if sql.lstrip("( ").upper().startswith(WRITES)]


def task_rows(exclude: set[Any] = frozenset()) -> list[dict[str, Any]]:
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.exclude(pk__in=exclude)
                .values("id", "task_path", "queue_name", "args_kwargs", "status"))


def work_of(request: Callable[[], Any]) -> tuple[Any, list[str], list[dict[str, Any]]]:
    """Run ``request``; its answer, the shapes of the statements it ran and the task rows it
    added."""
    before = {row["id"] for row in task_rows()}
    with statements() as shapes:
        answer = request()
    return answer, shapes, task_rows(before)
