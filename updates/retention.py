"""What the maintenance schedule removes of update mails (registered in ``UpdatesConfig``):
rows whose signer can no longer get the mail, and rows older than a send can take. A row holds
two ids and a date; removing it only ever means a mail that would not (or no longer) be sent."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q

from core.periodic import days
from signatures.models import Signature
from updates.models import UpdateMail

ELIGIBLE = (Signature.Status.VISIBLE, Signature.Status.HELD)


def remove_stale_update_mails(now: datetime) -> int:
    """Rows of withdrawn, erased or unsubscribed signers, and any row older than
    ``UPDATE_MAIL_RETENTION_DAYS`` (default 7): a mail server down for a week, a news mail
    that late is no longer news."""
    cutoff = now - timedelta(days=days("UPDATE_MAIL_RETENTION_DAYS", 7))
    stale = (Q(queued_at__lt=cutoff) | Q(signature__email="") | Q(signature__wants_news=False)
             | ~Q(signature__status__in=ELIGIBLE))
    deleted, _per_model = UpdateMail.objects.filter(
        pk__in=UpdateMail.objects.filter(stale).values("pk")).delete()
    return deleted
