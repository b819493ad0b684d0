"""Login throttling for editor and moderator accounts.

Failures are counted in the shared cache, in fixed windows of ``WINDOW`` seconds, under three
keys: the username with the visitor's IP hash (the tight limit a guesser at one address hits
first), the username alone (a guesser spread over many addresses) and the IP hash alone (one
address trying many names). A window ends on its own, so nobody is locked out for longer than
``WINDOW``.

The per-username count never refuses anyone by itself: if it did, anyone could lock an editor
out from a handful of addresses (20 bad passwords from 4 addresses did, every 15 minutes). Once a
username has had ``USERNAME.limit`` failures in a window it is *under attack*, and every address
then gets ``PAIR_UNDER_ATTACK`` attempts at it instead of ``PAIR.limit`` until the window ends:
the guessers slow down, while the owner at any address that has not failed at that name — a
fresh one included — still signs in with the right password and code.

Each count is a ``cache.add`` then ``cache.incr``: both atomic on Redis, the memory cache and
``core.sqlitecache`` (one INSERT, one UPDATE), so concurrent failures are each counted once.
(It used to be a read-then-write, which lost counts under concurrency and so let a parallel
guesser overshoot every limit.)
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

from core.protection import ip_hash

WINDOW = 15 * 60

# The clock the windows are cut from (tests move it).
clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class Rule:
    scope: str
    limit: int


PAIR = Rule("pair", 5)
USERNAME = Rule("user", 20)
ADDRESS = Rule("ip", 50)
PAIR_UNDER_ATTACK = 2


def _keys(request: HttpRequest, username: str, window: int) -> dict[Rule, str]:
    name = (username or "").strip().casefold()
    address = ip_hash(request)

    def key(rule: Rule, value: str) -> str:
        digest = hashlib.sha256(f"{rule.scope}:{value}:{window}".encode()).hexdigest()
        return "login-fail:" + digest[:40]

    return {PAIR: key(PAIR, f"{name}\0{address}"), USERNAME: key(USERNAME, name),
            ADDRESS: key(ADDRESS, address)}


def failures(request: HttpRequest, username: str) -> dict[str, int]:
    """The failures counted in the current window, by scope (``pair``, ``user``, ``ip``)."""
    keys = _keys(request, username, int(clock() // WINDOW))
    found = cache.get_many(list(keys.values()))
    return {rule.scope: int(found.get(key) or 0) for rule, key in keys.items()}


def retry_after(request: HttpRequest, username: str) -> int:
    """Seconds until this login may be tried again; 0 when it may be tried now."""
    now = clock()
    counts = failures(request, username)
    pair_limit = PAIR_UNDER_ATTACK if counts[USERNAME.scope] >= USERNAME.limit else PAIR.limit
    if counts[PAIR.scope] >= pair_limit or counts[ADDRESS.scope] >= ADDRESS.limit:
        return math.ceil((int(now // WINDOW) + 1) * WINDOW - now)
    return 0


def _count_one(key: str) -> None:
    if cache.add(key, 1, timeout=WINDOW + 5):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between the add and the incr: this failure opens a new count
        cache.add(key, 1, timeout=WINDOW + 5)


def record_failure(request: HttpRequest, username: str) -> None:
    for key in _keys(request, username, int(clock() // WINDOW)).values():
        _count_one(key)


def clear(request: HttpRequest, username: str) -> None:
    """After a successful login: forget this pair's failures (not the wider counters)."""
    cache.delete(_keys(request, username, int(clock() // WINDOW))[PAIR])
