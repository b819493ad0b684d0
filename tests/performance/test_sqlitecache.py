"""The shared SQLite cache: Django's cache contract, atomic counters, and one truth for all."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from core.sqlitecache import SQLiteCache
from core.writers import queue_file


def backend(path: Path) -> SQLiteCache:
    return SQLiteCache(str(path / "cache.sqlite3"), {"OPTIONS": {"MAX_ENTRIES": 50}})


@pytest.fixture
def cache(tmp_path: Path) -> SQLiteCache:
    return backend(tmp_path)


def test_get_set_add_delete(cache: SQLiteCache) -> None:
    assert cache.get("missing", "default") == "default"
    cache.set("page", {"body": b"<p>x</p>"}, 60)
    assert cache.get("page") == {"body": b"<p>x</p>"}
    assert cache.add("page", "other", 60) is False
    assert cache.add("new", 1, 60) is True
    assert cache.get_many(["page", "new", "gone"]) == {"page": {"body": b"<p>x</p>"}, "new": 1}
    assert cache.delete("page") is True
    assert cache.get("page") is None
    cache.set_many({"a": True, "b": "text"}, None)
    assert cache.get("a") is True and cache.get("b") == "text"


def test_incr_is_atomic_and_typed(cache: SQLiteCache) -> None:
    cache.add("hits", 1, 60)
    assert [cache.incr("hits") for _ in range(3)] == [2, 3, 4]
    with pytest.raises(ValueError):
        cache.incr("never-set")


def test_expired_keys_are_gone_and_can_be_added_again(cache: SQLiteCache) -> None:
    cache.set("short", 1, 0.05)
    time.sleep(0.1)
    assert cache.get("short") is None
    assert cache.has_key("short") is False
    assert cache.add("short", 2, 60) is True
    assert cache.get("short") == 2


def test_two_processes_share_one_truth(tmp_path: Path) -> None:
    """Two backend instances (as two app processes) see each other's writes at once."""
    one, two = backend(tmp_path), backend(tmp_path)
    one.set("pagecache:generation:1", "token-a", None)
    assert two.get("pagecache:generation:1") == "token-a"
    two.add("rl", 1, 60)
    one.incr("rl")
    assert two.get("rl") == 2


def test_culling_keeps_the_table_bounded(cache: SQLiteCache) -> None:
    for i in range(200):
        cache.set(f"k{i}", i, 60)
    cache._purge()
    (count,) = cache._db().execute("SELECT count(*) FROM cache").fetchone()
    assert count <= 50


def test_count_events_counts_every_window_in_one_go(cache: SQLiteCache) -> None:
    windows = [("per-minute", 60), ("per-hour", 3600)]
    assert cache.count_events(windows) == [1, 1]
    assert cache.count_events(windows) == [2, 2]
    assert cache.count_events([("per-minute", 60)]) == [3]
    assert cache.get("per-minute") == 3 and cache.get("per-hour") == 2


def test_count_events_answers_in_the_order_of_the_windows(cache: SQLiteCache) -> None:
    """The counts come back in the order the windows were given (narrowest first, for the
    limits), whatever each window held before."""
    for key, times in (("w3", 3), ("w1", 1), ("w4", 4), ("w2", 2)):
        for _ in range(times - 1):
            cache.count_events([(key, 60)])
    assert cache.count_events([("w3", 60), ("w1", 60), ("w4", 60), ("w2", 60)]) == [3, 1, 4, 2]
    assert cache.count_events([]) == []


def test_count_events_leaves_the_windows_after_a_refusal_as_they_were(cache: SQLiteCache
                                                                      ) -> None:
    windows = [("address", 60), ("statement", 60), ("site", 60)]
    assert cache.count_events(windows, allowed=[1, 10, 10]) == [1, 1, 1]
    assert cache.count_events(windows, allowed=[1, 10, 10]) == [2]
    assert [cache.get(key) for key, _ in windows] == [2, 1, 1]
    assert cache.count_events(windows[1:], allowed=[1, 10]) == [2]
    assert [cache.get(key) for key, _ in windows] == [2, 2, 1]


def test_count_events_starts_again_when_a_window_has_expired(cache: SQLiteCache) -> None:
    assert cache.count_events([("burst", 1)]) == [1]
    assert cache.count_events([("burst", 1)]) == [2]
    time.sleep(1.1)
    assert cache.count_events([("burst", 1)]) == [1]
    cache.set("not-a-counter", "text", 60)
    assert cache.count_events([("not-a-counter", 60)]) == [1]


def test_rate_limits_on_the_shared_cache_refuse_past_the_limit(tmp_path: Path, settings,
                                                               frozen_limit_clock) -> None:
    from django.core.cache import cache as default_cache

    from core.protection import Limit, within_limits

    settings.CACHES = {"default": {"BACKEND": "core.sqlitecache.SQLiteCache",
                                   "LOCATION": str(tmp_path / "limits.sqlite3")}}
    assert hasattr(default_cache, "count_events")
    per_address, site = Limit("test-address", 3, 60), Limit("test-site", 100, 60)
    answers = [within_limits([(per_address, "a@example.org"), (site, "site")])
               for _ in range(4)]
    assert answers == [True, True, True, False]
    # Another address is still welcome: the site-wide count (5 of 100) holds.
    assert within_limits([(per_address, "b@example.org"), (site, "site")]) is True


def test_count_events_stops_at_the_first_key_past_its_maximum(cache: SQLiteCache) -> None:
    windows = [("narrow", 60), ("wide", 60)]
    assert cache.count_events(windows, allowed=[1, 100]) == [1, 1]
    # Refused by the narrow key: the wide one is not counted.
    assert cache.count_events(windows, allowed=[1, 100]) == [2]
    assert cache.count_events(windows, allowed=[1, 100]) == [3]
    assert cache.count_events([("wide", 60)]) == [2]


def test_a_refused_address_does_not_use_up_the_site_limit(tmp_path: Path, settings,
                                                          frozen_limit_clock) -> None:
    from core.protection import Limit, within_limits

    settings.CACHES = {"default": {"BACKEND": "core.sqlitecache.SQLiteCache",
                                   "LOCATION": str(tmp_path / "limits.sqlite3")}}
    per_address, site = Limit("test-address", 3, 60), Limit("test-site", 10, 60)
    answers = [within_limits([(per_address, "flood@example.org"), (site, "site")])
               for _ in range(50)]
    assert answers == [True] * 3 + [False] * 47
    assert within_limits([(per_address, "b@example.org"), (site, "site")]) is True


def test_a_refusal_opens_no_wider_window(cache: SQLiteCache) -> None:
    """The wider windows after a refusal are as if the event never came: one it would have
    opened does not exist."""
    cache.count_events([("address", 60)])
    assert cache.count_events([("address", 60), ("fresh", 60)], allowed=[1, 10]) == [2]
    assert cache.get("fresh") is None
    assert cache.count_events([("fresh", 60)]) == [1]


WRITES = {
    "set": lambda cache: cache.set("k", "v", 60),
    "set_many": lambda cache: cache.set_many({"k": "v", "j": 1}, 60),
    "add": lambda cache: cache.add("new", 1, 60),
    "incr": lambda cache: cache.incr("n"),
    "count_events": lambda cache: cache.count_events([("w", 60), ("x", 60)]),
    "touch": lambda cache: cache.touch("k", 120),
    "delete": lambda cache: cache.delete("k"),
    "clear": lambda cache: cache.clear(),
}


@pytest.mark.parametrize("operation", WRITES)
def test_a_write_waits_in_the_writers_queue(tmp_path: Path, operation: str) -> None:
    """Every write takes the cache file's writers' queue (core.writers) first: while another
    process holds it, the write waits — with no SQLite lock taken anywhere, a write that skipped
    the queue would finish at once — and it goes through the moment the queue is free."""
    cache = backend(tmp_path)
    cache.set("k", "v", 60)
    cache.add("n", 1, 60)
    assert_waits_in_the_queue(cache, WRITES[operation], f"{operation} wrote past the writers' queue")


def assert_waits_in_the_queue(cache: SQLiteCache, work: Callable[[SQLiteCache], object],
                              message: str) -> None:
    """While another process holds the cache file's writers' queue, ``work`` in a thread does
    not finish; it does the moment the queue is free."""
    holder = os.open(queue_file(cache.path), os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    done = threading.Event()
    thread = threading.Thread(target=lambda: (work(cache), done.set()))
    try:
        thread.start()
        assert not done.wait(0.3), message
    finally:
        fcntl.flock(holder, fcntl.LOCK_UN)
        os.close(holder)
    assert done.wait(10)
    thread.join()


def test_many_threads_can_be_first_to_use_a_new_cache_file(tmp_path: Path) -> None:
    """The first requests after a start, in several threads and processes at once, each open
    the cache file and turn it to WAL: none of them fails with "database is locked". (Before the
    setup took the writers' queue, 17 of 300 such starts of 8 threads failed one request.)"""
    errors: list[BaseException] = []
    for trial in range(60):
        cache = backend(tmp_path / str(trial))
        start = threading.Barrier(8)

        def first_use(cache: SQLiteCache = cache, start: threading.Barrier = start) -> None:
            try:
                start.wait()
                cache.count_events([("sign-on", 60)])
            except BaseException as error:  # noqa: BLE001 (reported by the main thread)
                errors.append(error)

        threads = [threading.Thread(target=first_use) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [], f"trial {trial}: {errors}"
        assert cache.get("sign-on") == 8


def test_the_first_use_of_a_cache_file_waits_in_the_writers_queue(tmp_path: Path) -> None:
    """Turning a new file to WAL and creating its table are writes: they wait in the queue."""
    assert_waits_in_the_queue(backend(tmp_path), lambda cache: cache.get("k"),
                              "the file was set up past the writers' queue")
