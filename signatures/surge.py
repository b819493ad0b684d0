"""Surge mode: when sign-ons to one statement arrive faster than a crowd of people signs, the
statement switches by itself to proof of work, holds the sign-ons made meanwhile for review and
tells its moderators (``statements.actions.do_start_surge``); it ends by itself after
SIGN_SURGE_MINUTES, or when an editor switches it off.

The sign-on POST already counts the statement's sign-ons per minute for its rate limit: that
count decides, so watching costs nothing more than a comparison. The state lives on the
statement's row, which the form reads from the per-process copy (``statements.lookup``); the
database is written only when the mode switches, and a cache ``add`` lets one request per
minute and statement, across every process, try to switch it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from statements import actions as statement_actions
from statements.models import Statement

logger = logging.getLogger(__name__)


def should_start(statement: Statement, per_minute: int, limit: int, now: datetime) -> bool:
    """Pure: is this minute's count anomalous for a statement not already in (or paused from)
    surge mode?"""
    return per_minute > limit and statement.surge_may_start(now)


def notice(statement: Statement, per_minute: int) -> None:
    """Called by every accepted sign-on with its statement's count for the current minute."""
    limit = statement_actions.surge_threshold()
    if per_minute <= limit:  # the hot path: one comparison
        return
    now = timezone.now()
    if not should_start(statement, per_minute, limit, now):
        return
    switching = f"surge:switching:{statement.pk}"
    if not cache.add(switching, 1, timeout=60):
        return  # another request (of any process) is switching it, or did this minute
    try:
        statement_actions.do_start_surge(statement.pk, per_minute=per_minute, now=now)
    except Exception:
        # The sign-on that noticed the surge must not be lost to it (a busy database in the
        # flood itself): log, let the next sign-on try again, and go on signing.
        logger.exception("surge mode could not be switched on for statement %s", statement.pk)
        cache.delete(switching)
