"""A change made in a transaction tells the other processes once, when it commits
(``core.generations.bump_generations``).

Before, the shared cache was written twice for such a change: at once, while the transaction
still held the database's writers' lock, and again on commit. Every comment paid for the first
write inside its own critical section, which every other process's write waited behind
(docs/benchmarks.md, round 19). Until the commit only the writing thread sees the new
generation: another process that took it earlier would keep the old rows under it.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from comments import actions
from core import generations
from statements import pages as statement_pages
from tests.conftest import make_statement

pytestmark = pytest.mark.django_db(transaction=True)


class _Rollback(Exception):
    pass


def _shared(key: str) -> Any:
    return generations.shared_cache().get(key)


def _seen_by_another_thread(key: str) -> str:
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.append(generations.generation(key)))
    reader.start()
    reader.join()
    return seen[0]


def test_a_comment_writes_the_shared_cache_once_after_its_commit(monkeypatch) -> None:
    statement = make_statement("talk", comment_moderation="none")
    writes: list[tuple[list[str], bool]] = []
    backend = type(generations.shared_cache())
    real_set_many = backend.set_many

    def recorded(self: Any, data: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        writes.append((sorted(data), connection.in_atomic_block))
        return real_set_many(self, data, *args, **kwargs)

    monkeypatch.setattr(backend, "set_many", recorded)
    actions.do_post_comment(statement, actions.NewComment(
        name="Amina", email="amina@example.org", website="", body="Solidarity.",
        parent_id=None), ip_hash="", language="en")
    page_key = statement_pages.STATEMENT_GENERATION_KEY.format(statement_id=statement.pk)
    bumps = [(keys, in_transaction) for keys, in_transaction in writes if page_key in keys]
    assert bumps == [(sorted([page_key, statement_pages.SITE_GENERATION_KEY]), False)]


def test_until_the_commit_only_the_writing_thread_sees_the_new_generation() -> None:
    statement = make_statement("talk")
    key = statement_pages.STATEMENT_GENERATION_KEY.format(statement_id=statement.pk)
    before = statement_pages.statement_generation(statement.pk)
    with transaction.atomic():
        statement_pages.statement_changed(statement.pk)
        inside = statement_pages.statement_generation(statement.pk)
        assert inside != before  # the writer's own pages are rendered anew at once
        assert _shared(key) == before  # no other process can take it yet
        assert _seen_by_another_thread(key) == before
    assert _shared(key) == inside == statement_pages.statement_generation(statement.pk)
    assert _seen_by_another_thread(key) == inside


def test_a_rolled_back_change_tells_nobody() -> None:
    statement = make_statement("talk")
    key = statement_pages.STATEMENT_GENERATION_KEY.format(statement_id=statement.pk)
    before = statement_pages.statement_generation(statement.pk)
    with pytest.raises(_Rollback), transaction.atomic():
        statement_pages.statement_changed(statement.pk)
        assert statement_pages.statement_generation(statement.pk) != before
        raise _Rollback
    assert _shared(key) == before
    assert statement_pages.statement_generation(statement.pk) == before
    assert _seen_by_another_thread(key) == before
