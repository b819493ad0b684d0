"""State changes of updates: publishing, sending, unsubscribing. One transaction each, an audit
entry for every editor action, the statement's pages told (docs/updates.md)."""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core import audit
from signatures.models import Signature
from statements.pages import statement_changed
from updates.models import Update, UpdateMail
from updates.tasks import BATCH, send_update_mails

# Who gets an update: confirmed signers, not withdrawn or rejected (held ones did sign; they
# only wait for the editors' review of what is shown), who asked for news.
RECIPIENT_STATUSES = (Signature.Status.VISIBLE, Signature.Status.HELD)


class NotPublished(Exception):
    """An update is mailed only once it is public: the mail links to it."""


class AlreadySent(Exception):
    """The update was sent before: it is never sent twice."""


def recipients(statement_id: int) -> Any:
    """The signatures an update of this statement is mailed to, as they are now."""
    return Signature.objects.filter(statement_id=statement_id, status__in=RECIPIENT_STATUSES,
                                    wants_news=True).exclude(email="")


@transaction.atomic
def do_publish_update(update: Update, *, actor: Any) -> Update:
    """Show the update on the statement's page and in its feed. Publishing again changes
    nothing (the first date stays)."""
    update = Update.objects.select_for_update().get(pk=update.pk)
    if update.published_at is None:
        update.published_at = timezone.now()
        update.save(update_fields=["published_at", "updated_at"])
        audit.record(actor, "update.publish", update, statement=update.statement_id)
    statement_changed(update.statement_id)
    return update


@transaction.atomic
def do_send_update(update: Update, *, actor: Any) -> int:
    """Queue the update's mail to every consenting confirmed signer; returns how many.

    The update's row is locked and ``sent_at`` set in the transaction that queues the mails, so
    two clicks (or two editors) cannot both send: the second finds it sent and is refused.
    The recipients are written by one INSERT … SELECT from the signatures (no Python per
    recipient), and one task row per ``BATCH`` of them names an id range for the workers."""
    update = Update.objects.select_for_update().get(pk=update.pk)
    if update.published_at is None:
        raise NotPublished
    if update.sent_at is not None:
        raise AlreadySent
    now = timezone.now()
    count = _queue_recipients(update, now)
    bounds = UpdateMail.objects.filter(update=update).values_list("id", flat=True)
    first, last = bounds.order_by("id").first(), bounds.order_by("-id").first()
    if first is not None and last is not None:
        for start in range(first, last + 1, BATCH):
            send_update_mails.enqueue(update_id=update.pk, first_id=start,
                                      last_id=min(start + BATCH - 1, last))
    update.sent_at = now
    update.recipients = count
    update.save(update_fields=["sent_at", "recipients", "updated_at"])
    audit.record(actor, "update.send", update, statement=update.statement_id, recipients=count)
    # The page says when the update was mailed.
    statement_changed(update.statement_id)
    return count


@functools.cache
def _insert_statement(vendor: str) -> str:
    quote = connection.ops.quote_name
    mails, signatures = quote(UpdateMail._meta.db_table), quote(Signature._meta.db_table)
    statuses = ", ".join(["%s"] * len(RECIPIENT_STATUSES))
    # Table and column names come from the models; every value is a parameter.
    return (f"INSERT INTO {mails} ({quote('update_id')}, {quote('signature_id')}, "  # noqa: S608
            f"{quote('queued_at')}) SELECT %s, s.{quote('id')}, %s FROM {signatures} s "
            f"WHERE s.{quote('statement_id')} = %s AND s.{quote('status')} IN ({statuses}) "
            f"AND s.{quote('wants_news')} AND s.{quote('email')} <> '' "
            f"ORDER BY s.{quote('id')}")


def _queue_recipients(update: Update, now: Any) -> int:
    queued_at = UpdateMail._meta.get_field("queued_at").get_db_prep_save(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(_insert_statement(connection.vendor),
                       [update.pk, queued_at, update.statement_id, *RECIPIENT_STATUSES])
        return cursor.rowcount


@transaction.atomic
def do_unsubscribe(signature: Signature) -> bool:
    """The signer wants no more news about this statement: the consent goes, with any update
    mail still waiting for them. Idempotent; returns whether anything changed."""
    changed = bool(Signature.objects.filter(pk=signature.pk, wants_news=True)
                   .update(wants_news=False, updated_at=timezone.now()))
    UpdateMail.objects.filter(signature_id=signature.pk).delete()
    return changed


def forget_pending_mails(signature_id: int) -> int:
    """Remove the update mails still waiting for this signature (withdrawn, erased, or no
    longer consenting)."""
    deleted, _per_model = UpdateMail.objects.filter(signature_id=signature_id).delete()
    return deleted
