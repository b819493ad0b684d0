"""Events into the outbox: the receivers of the lower apps' signals (connected in
``WebhooksConfig.ready()``).

A receiver runs inside the transaction of the change and writes one ``WebhookDelivery`` row
per endpoint that wants the event, so the rows commit or roll back with the change; the
worker is woken once the transaction commits. Most sites register no endpoint: then an event
costs no query at all. The endpoints are kept per process (``KeptCopy``) and read again only
when an editor changes one (the ``webhooks:endpoints`` generation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core.generations import KeptCopy, bump_generations
from webhooks import signing, tasks
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint

ENDPOINTS_GENERATION = "webhooks:endpoints"


@dataclass(frozen=True)
class Listener:
    endpoint_id: int
    statement_id: int | None
    events: frozenset[str]

    def wants(self, event: str, statement_id: int) -> bool:
        return event in self.events and self.statement_id in (None, statement_id)


def _load_listeners() -> tuple[Listener, ...]:
    rows = (WebhookEndpoint.objects.exclude(status=WebhookEndpoint.Status.DISABLED)
            .values_list("pk", "statement_id", "events"))
    return tuple(Listener(pk, statement_id, frozenset(events or ()))
                 for pk, statement_id, events in rows)


_listeners: KeptCopy[tuple[Listener, ...]] = KeptCopy((ENDPOINTS_GENERATION,), _load_listeners)


def endpoints_changed() -> None:
    """Every process reads the endpoints again (an endpoint added, changed, disabled)."""
    bump_generations(ENDPOINTS_GENERATION)


def record(event: str, statement_id: int, object_id: int) -> int:
    """Write the event's rows for the endpoints that want it; returns how many listeners
    wanted it."""
    wanting = [listener.endpoint_id for listener in _listeners.get()
               if listener.wants(event, statement_id)]
    if not wanting:
        return 0
    _insert_rows(event, object_id, wanting)
    # Once per transaction (savepoint level): a moderator approving a hundred comments wakes
    # one run. Registered at this very level, the earlier wake is dropped by a rollback only
    # together with this event's rows.
    level = set(connection.savepoint_ids)
    if not any(entry[1] is tasks.wake and entry[0] == level  # (savepoints, function, robust)
               for entry in connection.run_on_commit):
        transaction.on_commit(tasks.wake)
    return len(wanting)


def _insert_rows(event: str, object_id: int, endpoint_ids: list[int]) -> None:
    """One INSERT … SELECT: a row for each of these endpoints that still exists and is not
    disabled. Another process may have deleted or disabled one within the last second
    (its copy of the endpoints is that old at most); a plain INSERT naming a deleted endpoint
    would fail the signer's confirmation when it commits. The ``webhook-id`` is the event's
    id and the endpoint's, so it is unique per event and endpoint and stable across retries."""
    rows, endpoints = WebhookDelivery._meta.db_table, WebhookEndpoint._meta.db_table
    quote = connection.ops.quote_name
    now = connection.ops.adapt_datetimefield_value(timezone.now())  # as the ORM stores it
    columns = ", ".join(quote(name) for name in (
        "endpoint_id", "event", "object_id", "message_id", "created_at", "status", "attempts",
        "next_attempt_at", "claim", "last_error"))
    placeholders = ", ".join(["%s"] * len(endpoint_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(rows)} ({columns}) "  # noqa: S608 -- names quoted, values bound
            f"SELECT {quote('id')}, %s, %s, %s || CAST({quote('id')} AS VARCHAR(20)), %s, %s, "
            f"0, %s, '', '' FROM {quote(endpoints)} "
            f"WHERE {quote('id')} IN ({placeholders}) AND {quote('status')} <> %s",
            [event, object_id, signing.new_message_id() + "_", now,
             WebhookDelivery.Status.PENDING, now, *endpoint_ids,
             WebhookEndpoint.Status.DISABLED])


def on_signature_confirmed(sender: Any, signature: Any, **kwargs: Any) -> None:
    record(Event.SIGNATURE_CONFIRMED, signature.statement_id, signature.pk)


def on_signature_withdrawn(sender: Any, signature: Any, **kwargs: Any) -> None:
    if signature.confirmed_at is None:
        return  # never confirmed: no endpoint heard of it
    record(Event.SIGNATURE_WITHDRAWN, signature.statement_id, signature.pk)


def on_comment_published(sender: Any, comment: Any, **kwargs: Any) -> None:
    record(Event.COMMENT_PUBLISHED, comment.statement_id, comment.pk)


def on_statement_published(sender: Any, statement: Any, **kwargs: Any) -> None:
    record(Event.STATEMENT_PUBLISHED, statement.pk, statement.pk)


def on_statement_edited(sender: Any, statement: Any, **kwargs: Any) -> None:
    record(Event.STATEMENT_CHANGED, statement.pk, statement.pk)
