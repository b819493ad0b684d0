"""Benchmark-only entry point: the real application with its rate limits raised.

Every benchmark request comes from one machine, and the sign-on and comment views limit posts
per statement and site-wide (sized for a normal day). The benchmark measures the write path, so
it keeps every limiter call (and its cache traffic) but lifts the ceilings. Never deploy this.
"""

from core import protection
from undersigned.rsgi import application as rsgi_application
from undersigned.wsgi import application

__all__ = ["application", "rsgi_application"]  # serve runs the RSGI one (core/rsgi.py)

_original_count_limits = protection.count_limits
UNLIMITED = 10**9


def _count_with_raised_limits(checks: list[tuple[protection.Limit, str]]) -> list[int]:
    """Every limit counted, none refusing; each count reported as a first event, so that the
    sign-on's surge mode (a ceiling too: proof of work) does not switch on either."""
    _original_count_limits([(protection.Limit(limit.scope, UNLIMITED, limit.seconds), key)
                            for limit, key in checks])
    return [1] * len(checks)


# within_limits counts through count_limits: both are lifted.
protection.count_limits = _count_with_raised_limits
