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

from django.db import transaction
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
    """Write the event's rows for the endpoints that want it; returns how many."""
    wanting = [listener.endpoint_id for listener in _listeners.get()
               if listener.wants(event, statement_id)]
    if not wanting:
        return 0
    now = timezone.now()
    WebhookDelivery.objects.bulk_create([
        WebhookDelivery(endpoint_id=endpoint_id, event=event, object_id=object_id,
                        message_id=signing.new_message_id(), created_at=now,
                        next_attempt_at=now)
        for endpoint_id in wanting])
    transaction.on_commit(tasks.wake)
    return len(wanting)


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
