"""Benchmark-only entry point: the real application with its rate limits raised.

Every benchmark request comes from one machine, and the sign-on and comment views limit posts
per statement and site-wide (sized for a normal day). The benchmark measures the write path, so
it keeps every limiter call (and its cache traffic) but lifts the ceilings. Never deploy this.
"""

from core import protection
from undersigned.wsgi import application

__all__ = ["application"]

_original_within_limits = protection.within_limits
UNLIMITED = 10**9


def _within_raised_limits(checks: list[tuple[protection.Limit, str]]) -> bool:
    _original_within_limits([(protection.Limit(limit.scope, UNLIMITED, limit.seconds), key)
                             for limit, key in checks])
    return True


protection.within_limits = _within_raised_limits
