"""What the maintenance schedule does with comments (registered in ``CommentsConfig``)."""

from __future__ import annotations

from datetime import datetime

from comments import actions
from core.periodic import archived_before, ip_hashes_before


def erase_old_ip_hashes(now: datetime) -> int:
    return actions.erase_old_ip_hashes(ip_hashes_before(now))


def erase_emails_of_archived(now: datetime) -> int:
    return actions.erase_emails_of_archived(archived_before(now))


def send_digest(now: datetime) -> int:
    return actions.send_moderation_digest(now)
