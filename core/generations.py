"""Generations: how every process learns that something it keeps a copy of has changed.

A *generation* is a random token kept in the shared Django cache (files in the data directory,
or Redis) under a key that stands for some data (a statement's pages, the comment bans, the
moderation settings). Whoever changes that data replaces the token (``bump_generations``);
whoever keeps a copy compares the token it read with the current one. Random tokens instead of
counters because the file cache's ``incr`` is a read-modify-write that two processes can
interleave and lose.

Each process keeps the tokens it read for at most ``GENERATION_CHECK_SECONDS``: a change made in
another process is seen within that time, one made in this process at once (a change made in a
transaction: once it commits; before, by the thread that made it). The page cache
(``pages``) and ``KeptCopy`` are built on this; what the keys stand for is decided by the apps
that own the data (``statements.pages`` for the statements' pages).

This module is a leaf: it knows the cache and the database connection, nothing of the domain.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache
from django.db import connection, transaction

# What can show on every page (the site's name and look, an organisation's or category's name):
# every cached page depends on it, so bumping it refreshes them all. Named here because the
# site settings (core.site) sit below the apps that name their pages' other generations.
EVERY_PAGE_GENERATION_KEY = "pagecache:generation:global"

# How stale a process's view of the shared generations may be (the 5-second rule's budget).
GENERATION_CHECK_SECONDS = 1.0

# Per-process copy of shared generations: key -> (value, monotonic time it was read).
_local_generations: dict[str, tuple[str, float]] = {}
_thread_caches = threading.local()


class _OwnTransaction(threading.local):
    """What this thread's transaction changed and has not committed yet: the generations it
    bumped (key -> the token the commit will write)."""

    def __init__(self) -> None:
        self.bumps: dict[str, str] = {}


_own_transaction = _OwnTransaction()
_cache_epoch = 0


def shared_cache() -> BaseCache:
    """The shared (default) cache, one backend object per thread.

    Django's ``cache`` is one backend object per *context*: under an event loop every request
    is a task with a context of its own, so the page cache's hit path (``pages.serving``, on
    granian's loop) got a new backend — for SQLiteCache a new database connection, with its
    PRAGMAs — each time it read the shared cache: a quarter of the loop's time on a viral day
    (docs/benchmarks.md). Backends are safe to use from the one thread that made them."""
    held = getattr(_thread_caches, "held", None)
    if held is None or held[0] != _cache_epoch:
        held = (_cache_epoch, caches.create_connection(DEFAULT_CACHE_ALIAS))
        _thread_caches.held = held
    return held[1]


def _new_token() -> str:
    return os.urandom(16).hex()


def _bump(keys: Iterable[str], token: str | None = None) -> None:
    # One new token serves every key of the bump: each key's value changes, which is all a
    # reader compares (and one random draw instead of one a key).
    tokens = dict.fromkeys(keys, token or _new_token())
    shared_cache().set_many(tokens, timeout=None)
    # This process knows the new tokens: no need to read them (or any other key) back.
    now = time.monotonic()
    _local_generations.update((key, (value, now)) for key, value in tokens.items())
    if _own_transaction.bumps:  # committed now: the shared tokens are the ones it saw
        for key in tokens:
            _own_transaction.bumps.pop(key, None)


def bump_generations(*keys: str) -> None:
    """Tell every process that what ``keys`` stand for has changed: at once outside a
    transaction, else when the transaction commits.

    Only after the commit may other processes see the new generation: a reader that took it
    earlier would render the old rows under it and keep them. Until then the thread whose
    transaction made the change sees the new generation alone (``_OwnTransaction``): its
    own connection sees its rows (a render later in the same transaction; tests, whose
    transactions never commit). So a change in a transaction writes the shared cache once,
    after the rows are committed and the database's writers' lock is released — not also
    while holding it (a comment's post: docs/benchmarks.md, round 19). Callers therefore
    never wrap this in ``transaction.on_commit`` themselves."""
    if not connection.in_atomic_block:
        _bump(keys)
        return
    token = _new_token()
    _own_transaction.bumps.update(dict.fromkeys(keys, token))
    transaction.on_commit(lambda: _bump(keys, token))


def _with_own_bumps(keys: tuple[str, ...], values: tuple[str, ...]) -> tuple[str, ...]:
    """``values`` as this thread sees them: its uncommitted bumps over the shared ones. A bump
    whose transaction ended without a commit (rolled back) is forgotten here."""
    bumps = _own_transaction.bumps
    if not bumps:  # every thread but one writing in a transaction: one attribute read
        return values
    if not connection.in_atomic_block:
        bumps.clear()
        return values
    return tuple(bumps.get(key, value) for key, value in zip(keys, values, strict=True))


def current_generations(keys: tuple[str, ...], *, fresh: bool = False) -> tuple[str, ...]:
    """The generations of ``keys`` as this process knows them (re-read when older than
    GENERATION_CHECK_SECONDS, or always with ``fresh``)."""
    now = time.monotonic()
    stale = [k for k in keys if fresh or k not in _local_generations
             or now - _local_generations[k][1] > GENERATION_CHECK_SECONDS]
    if stale:
        cache = shared_cache()
        found = cache.get_many(stale)
        missing = [key for key in stale if not found.get(key)]
        if missing:
            # Never set, or evicted: give it a token now. An empty generation would match
            # whatever was stored under the empty one before and serve it forever.
            for key in missing:
                cache.add(key, _new_token(), timeout=None)
            found.update(cache.get_many(missing))
        for key in stale:
            _local_generations[key] = (str(found.get(key) or ""), now)
    return _with_own_bumps(keys, tuple(_local_generations[k][0] for k in keys))


def read_generations(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The shared generations now, bypassing the per-process copy (read before a render)."""
    return current_generations(keys, fresh=True)


def generation(key: str) -> str:
    """One generation straight from the shared cache ("" when never set)."""
    return _with_own_bumps((key,), (str(shared_cache().get(key) or ""),))[0]


class KeptCopy[T]:
    """A value each process keeps while the shared generations it depends on stay the same:
    read once per change per process instead of once per request. Whoever changes what the
    value is made from calls ``bump_generations`` with the same keys; other processes see the
    change within GENERATION_CHECK_SECONDS, the changing one at once. The generations are
    read before the value, so a change committed in between makes the copy stale at once."""

    def __init__(self, keys: tuple[str, ...], load: Callable[[], T]) -> None:
        self.keys, self.load = keys, load
        self._kept: tuple[tuple[str, ...], T] | None = None

    def get(self) -> T:
        generations = current_generations(self.keys)
        if self._kept is None or self._kept[0] != generations:
            self._kept = (generations, self.load())
        return self._kept[1]

    def changed(self) -> None:
        bump_generations(*self.keys)


# Forgotten with this process's generations (the page store registers its own copies).
_forget_hooks: list[Callable[[], None]] = []


def on_forget_local(hook: Callable[[], None]) -> None:
    """Run ``hook`` whenever this process's copies are forgotten (``forget_local``)."""
    if hook not in _forget_hooks:
        _forget_hooks.append(hook)


def forget_local() -> None:
    """Forget this process's copies, and this thread's uncommitted bumps (tests; a new cache):
    the shared cache stays the truth."""
    global _cache_epoch
    _cache_epoch += 1  # every thread opens the (new) cache again
    _local_generations.clear()
    _own_transaction.bumps.clear()
    for hook in _forget_hooks:
        hook()


def settings_changed(setting: str, **kwargs: Any) -> None:
    """A new cache (tests swap CACHES per test) holds new generations: forget this process's."""
    if setting == "CACHES":
        forget_local()
