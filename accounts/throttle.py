"""Login throttling for editor and moderator accounts.

Failures are counted in fixed windows in the shared cache, under three keys: the username with
the visitor's IP hash (the tight limit a guesser at one address hits first), the username alone
(a guesser spread over many addresses) and the IP hash alone (one address trying many names).
A window ends on its own, so the real user is never locked out for longer than ``WINDOW``; the
per-username limit is deliberately looser than the per-pair one so that someone hammering a
name from elsewhere slows, but does not usually stop, its owner at their own address.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

from core.protection import ip_hash

WINDOW = 15 * 60


@dataclass(frozen=True)
class Rule:
    scope: str
    limit: int


PAIR = Rule("pair", 5)
USERNAME = Rule("user", 20)
ADDRESS = Rule("ip", 50)


def _key(rule: Rule, value: str) -> str:
    return "login-fail:" + hashlib.sha256(f"{rule.scope}:{value}".encode()).hexdigest()[:40]


def _keys(request: HttpRequest, username: str) -> list[tuple[Rule, str]]:
    name = (username or "").strip().casefold()
    address = ip_hash(request)
    return [(PAIR, _key(PAIR, f"{name}\0{address}")), (USERNAME, _key(USERNAME, name)),
            (ADDRESS, _key(ADDRESS, address))]


def retry_after(request: HttpRequest, username: str) -> int:
    """Seconds until this login may be tried again; 0 when it may be tried now."""
    now = time.time()
    wait = 0.0
    for rule, key in _keys(request, username):
        count, started = cache.get(key) or (0, now)
        if count >= rule.limit and now - started < WINDOW:
            wait = max(wait, started + WINDOW - now)
    return math.ceil(wait)


def record_failure(request: HttpRequest, username: str) -> None:
    now = time.time()
    for _rule, key in _keys(request, username):
        count, started = cache.get(key) or (0, now)
        if now - started >= WINDOW:
            count, started = 0, now
        cache.set(key, (count + 1, started), timeout=WINDOW + 5)


def clear(request: HttpRequest, username: str) -> None:
    """After a successful login: forget this pair's failures (not the wider counters)."""
    cache.delete(_keys(request, username)[0][1])
