"""Anti-abuse shared by every public form (sign-on and comments): one implementation for both.

Nothing here puts per-visitor state into a page: form tokens change with a time window, not
with the visitor, so a statement page stays the same bytes for everyone and can be cached whole.
IP addresses are never stored; only a keyed hash whose key changes every day (docs/security.md, invariant 2).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest

HONEYPOT_FIELD = "fax"
TOKEN_FIELD = "form_token"
TOKEN_WINDOW_SECONDS = 300
MIN_FILL_SECONDS = 3
MAX_TOKEN_AGE_SECONDS = 60 * 60 * 24


def client_ip(request: HttpRequest) -> str:
    if settings.UNDERSIGNED.get("TRUST_X_FORWARDED_FOR"):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _daily_key(day: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"ip-hash:{day}".encode(),
                    hashlib.sha256).digest()


@functools.lru_cache(maxsize=4096)
def limit_address(address: str) -> str:
    """The address rate limits and bans count by. An IPv6 subscriber is routinely given a whole
    /64 and can pick any address in it, so per-address limits would be endless: the /64 counts
    as one visitor. IPv4 stays per address (a /24 is often a whole campus or carrier NAT), and
    an IPv4-mapped IPv6 address (``::ffff:192.0.2.1``, a dual-stack socket) is its IPv4."""
    if ":" not in address:  # IPv4 (or no address at all): itself, and no parse to pay for
        return address
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


def ip_hash(request: HttpRequest) -> str:
    """HMAC of the visitor's address (its /64 for IPv6) under today's key: linkable within a
    day, then not."""
    day = datetime.fromtimestamp(time.time(), UTC).strftime("%Y-%m-%d")  # the limits' clock
    digest = hmac.new(_daily_key(day), limit_address(client_ip(request)).encode(),
                      hashlib.sha256)
    return digest.hexdigest()[:32]


# --- rate limits -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Limit:
    """At most ``count`` events per ``seconds`` for one key in one scope."""

    scope: str
    count: int
    seconds: int


def seconds_left(limit: Limit) -> int:
    """Seconds until the limit's current window ends: what a refusal's ``Retry-After`` says."""
    return max(1, math.ceil(limit.seconds - time.time() % limit.seconds))


def _window_key(limit: Limit, key: str) -> str:
    window = int(time.time() // limit.seconds)
    return "rl:" + hashlib.sha256(f"{limit.scope}:{key}:{window}".encode()).hexdigest()[:40]


def _count(cache_key: str, seconds: int) -> int:
    """One event, for caches without ``count_events`` (Redis, memory): an add, else an incr."""
    if cache.add(cache_key, 1, timeout=seconds):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=seconds)
        return 1


def count_limits(checks: list[tuple[Limit, str]]) -> list[int]:
    """Count the event against the limits in the order given — narrowest first (one address,
    then one statement, then the site) — and stop at the first that refuses it. Returns the
    counts made, one per limit counted: the event is allowed when every limit was counted and
    none exceeded.

    Stopping matters: a refused attempt that still counted against the wider scopes would let
    one address's flood, refused by its own limit, fill the statement's and the site's limits
    and so refuse everyone else. A limit therefore counts only what got past the narrower
    ones."""
    windows = [(_window_key(limit, key), limit.seconds + 5) for limit, key in checks]
    count_events = getattr(cache, "count_events", None)
    if count_events is not None:  # one transaction of the shared cache for all of them
        return count_events(windows, allowed=[limit.count for limit, _key in checks])
    counts = []
    for (limit, _key), (cache_key, seconds) in zip(checks, windows, strict=True):
        counts.append(_count(cache_key, seconds))
        if counts[-1] > limit.count:
            break
    return counts


def allowed_by(checks: list[tuple[Limit, str]], counts: list[int]) -> bool:
    """Whether the counts ``count_limits`` returned for ``checks`` let the event through."""
    return len(counts) == len(checks) and all(
        used <= limit.count for used, (limit, _key) in zip(counts, checks, strict=True))


def within_limits(checks: list[tuple[Limit, str]]) -> bool:
    """Count the event (narrowest limit first, see ``count_limits``) and say if all hold."""
    return allowed_by(checks, count_limits(checks))


# --- cross-site and form tokens ---------------------------------------------------------------

def is_same_origin(request: HttpRequest) -> bool:
    """Refuse cross-site form posts without a per-visitor CSRF cookie.

    Browsers send Sec-Fetch-Site (and Origin) with every POST; a client that sends neither is
    not a browser a third-party page could drive, so it is let through to the other checks.
    """
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return True
    if origin == "null":
        return False
    # Scheme, host and port, as browsers compare origins: a page served over plain http (which
    # anyone on the network path can write) must not post as the https site of the same name.
    allowed = {_origin(settings.BASE_URL), _origin(f"{request.scheme}://{request.get_host()}")}
    claimed = _origin(origin)
    return claimed is not None and claimed in allowed


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is not a number, a broken IPv6 literal
        return None
    return (scheme, host, port) if scheme and host else None


def form_token(purpose: str, object_id: int | str, *, now: float | None = None) -> str:
    """A token for a public form that is the same for every visitor within a time window.

    The minimum fill time is measured from the start of the window the page was rendered in
    (the page is the same for everyone, so it cannot know when this visitor opened it): it
    stops a script that fetches the page and posts at once, and no person fills a form in
    MIN_FILL_SECONDS."""
    now = time.time() if now is None else now
    window_start = int(now // TOKEN_WINDOW_SECONDS) * TOKEN_WINDOW_SECONDS
    payload = f"{purpose}:{object_id}:{window_start}"
    mac = signing.Signer(salt="undersigned.form-token").signature(payload)
    return f"{window_start}.{mac}"


class FormTokenError(Exception):
    pass


def check_form_token(token: str, purpose: str, object_id: int | str) -> None:
    """Raise FormTokenError when the token is forged, too fresh (a bot's burst) or too old."""
    try:
        if not isinstance(token, str) or len(token) > 200:
            raise ValueError("token")
        start_text, mac = token.split(".", 1)
        window_start = canonical_number(start_text)
    except ValueError as exc:
        raise FormTokenError("malformed") from exc
    expected = signing.Signer(salt="undersigned.form-token").signature(
        f"{purpose}:{object_id}:{window_start}"
    )
    # Bytes: compare_digest refuses non-ASCII str, which a forged token may well contain.
    if not hmac.compare_digest(expected.encode(), mac.encode("utf-8", "surrogatepass")):
        raise FormTokenError("forged")
    age = time.time() - window_start
    if age > MAX_TOKEN_AGE_SECONDS:
        raise FormTokenError("expired")
    if age < MIN_FILL_SECONDS:
        raise FormTokenError("too-fast")


def honeypot_filled(data: dict) -> bool:
    return bool((data.get(HONEYPOT_FIELD) or "").strip())


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def canonical_number(text: str, base: int = 10) -> int:
    """The number ``text`` spells, when it is spelt exactly as we write numbers into tokens
    (``str(n)``, ``base36(n)``); ValueError otherwise. ``int()`` also reads a sign, spaces,
    underscores, leading zeros, capitals and non-ASCII digits, which would give one link many
    spellings that all open it."""
    if (not text or any(char not in _DIGITS[:base] for char in text)
            or (text[0] == "0" and len(text) > 1)):
        raise ValueError(f"not a canonical base-{base} number")
    return int(text, base)


def base36(number: int) -> str:
    """A short, URL-safe spelling of a timestamp for the links we mail."""
    digits = _DIGITS
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text
