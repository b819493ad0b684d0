"""Anti-abuse shared by every public form (sign-on and comments): one implementation for both.

Nothing here puts per-visitor state into a page: form tokens change with a time window, not
with the visitor, so a statement page stays the same bytes for everyone and can be cached whole.
IP addresses are never stored; only a keyed hash whose key changes every day (DESIGN.md, 2).
"""

from __future__ import annotations

import hashlib
import hmac
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


def ip_hash(request: HttpRequest) -> str:
    """HMAC of the visitor's address under today's key: linkable within a day, then not."""
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    digest = hmac.new(_daily_key(day), client_ip(request).encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


# --- rate limits -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Limit:
    """At most ``count`` events per ``seconds`` for one key in one scope."""

    scope: str
    count: int
    seconds: int


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


def within_limits(checks: list[tuple[Limit, str]]) -> bool:
    """Count the event against every limit (so a burst is counted everywhere) and say if all hold."""
    windows = [(_window_key(limit, key), limit.seconds + 5) for limit, key in checks]
    count_events = getattr(cache, "count_events", None)
    counts = (count_events(windows) if count_events is not None
              else [_count(cache_key, seconds) for cache_key, seconds in windows])
    return all(used <= limit.count for used, (limit, _key) in zip(counts, checks, strict=True))


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
    allowed = {urlsplit(settings.BASE_URL).netloc, request.get_host()}
    return urlsplit(origin).netloc in allowed


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
        window_start = int(start_text)
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


def base36(number: int) -> str:
    """A short, URL-safe spelling of a timestamp for the links we mail."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text
