"""A comment costs the same however long the discussion under it (issue 15). Compared by the
work the database does, never by time: the statements a comment POST runs, and what they read
— on SQLite the virtual machine's steps (every row a query visits is steps), on PostgreSQL the
pages (buffers) its SELECTs touch, from ``EXPLAIN (ANALYZE, BUFFERS)``.

A reply looked its parent up by id *and* statement; PostgreSQL, without fresh statistics on a
table that grew fast (a viral day, or autovacuum off), could answer that from the thread index
(statement, listed, parent, created_at, id), reading the statement's whole discussion to find
one row — twice per reply (it does in the test database). The parent is now found by its id
alone (``comments.models.published_comment``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client

from bench.djtools import work_of
from comments import actions
from comments.models import Comment
from statements.models import Statement
from tests.comments.conftest import post
from tests.querywork import shape

LONG = 2_000
_SAVEPOINT = re.compile(r'"s\d+_x\d+"')  # Django numbers its savepoints


def _grow(statement: Statement, size: int) -> list[int]:
    """Published comments up to ``size``, posted as the site posts them (a third replies)."""
    made = list(Comment.objects.filter(statement=statement).order_by("id")
                .values_list("pk", flat=True))
    for i in range(len(made), size):
        made.append(actions.do_post_comment(statement, actions.NewComment(
            name=f"Commenter {i}", email=f"c{i}@example.org", website="",
            body=f"Comment {i}.", parent_id=made[i // 3] if i % 3 == 2 else None),
            ip_hash="", language="en").pk)
    assert Comment.objects.filter(statement=statement).listed().count() == size
    return made


def _work(request: Callable[[], Any]) -> tuple[list[str], int]:
    """The shapes of the statements ``request`` ran, and what they read (see the module)."""
    response, queries, read = work_of(request, reads=lambda sql: "comments_comment" in sql)
    assert response.status_code == 303, response.content.decode()[:2000]
    return [_SAVEPOINT.sub('"savepoint"', shape(sql)) for sql in queries], read


def test_a_comment_costs_the_same_under_10_and_under_2000_comments(open_statement) -> None:
    client = Client()
    parent = _grow(open_statement, 10)[0]

    def top_level(n: int) -> Any:
        return post(client, open_statement, email=f"top{n}@example.org")

    def reply(n: int) -> Any:
        return post(client, open_statement, email=f"reply{n}@example.org", parent=parent)

    top_level(0), reply(0)  # the form's statement is read once, then kept (statements.lookup)
    short = {"top-level": _work(lambda: top_level(1)), "reply": _work(lambda: reply(1))}
    _grow(open_statement, LONG)
    long = {"top-level": _work(lambda: top_level(2)), "reply": _work(lambda: reply(2))}
    for kind in short:
        (short_shapes, short_work), (long_shapes, long_work) = short[kind], long[kind]
        assert long_shapes == short_shapes, kind
        # Indexes one level deeper under 2,000 rows: a page more per lookup, nothing per row.
        slack = 0 if connection.vendor == "sqlite" else 2 * len(short_shapes)
        assert long_work <= short_work + slack, (
            f"a {kind} comment under {LONG:,} comments read {long_work} "
            f"{'VM steps' if connection.vendor == 'sqlite' else 'pages'}, under 10: {short_work}")
