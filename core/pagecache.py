"""Whole-page caching of public pages, and its invalidation.

Every change a visitor could see (a signature becomes visible or is withdrawn, a comment is
approved, a statement is edited) calls ``statement_changed``; cached pages of that statement
are then served fresh on the next request.
"""

from __future__ import annotations

from django.core.cache import cache

GENERATION_KEY = "pagecache:generation:{statement_id}"
SITE_GENERATION_KEY = "pagecache:generation:site"


def statement_changed(statement_id: int) -> None:
    """Bump the statement's generation (and the site's: lists show counts and titles)."""
    for key in (GENERATION_KEY.format(statement_id=statement_id), SITE_GENERATION_KEY):
        if not cache.add(key, 1, timeout=None):
            try:
                cache.incr(key)
            except ValueError:
                cache.add(key, 1, timeout=None)


def generation(statement_id: int | None = None) -> int:
    key = (GENERATION_KEY.format(statement_id=statement_id) if statement_id is not None
           else SITE_GENERATION_KEY)
    return int(cache.get(key) or 0)
