"""Editors' changes to webhook endpoints: one transaction each, an audit entry, and every
process told to read the endpoints again (``webhooks.events``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core import audit
from webhooks import events, signing
from webhooks.models import WebhookEndpoint

# After a rotation the old secret signs beside the new one this long (docs/webhooks.md).
ROTATION_OVERLAP = timedelta(days=1)
EDITABLE = ("name", "url", "statement", "events", "scope")


def may_choose_private(user: Any) -> bool:
    """Private scope sends signers' addresses: only for who may export them anyway."""
    return bool(user is not None and user.has_perm("signatures.export_emails"))


def _check_scope(endpoint: WebhookEndpoint, actor: Any) -> None:
    if endpoint.scope == WebhookEndpoint.Scope.PRIVATE and not may_choose_private(actor):
        raise PermissionDenied("private scope needs the signatures.export_emails permission")


def _describe(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"url": endpoint.url, "statement": endpoint.statement_id,
            "events": list(endpoint.events), "scope": endpoint.scope}


@transaction.atomic
def do_create_endpoint(endpoint: WebhookEndpoint, *, actor: Any) -> WebhookEndpoint:
    """Save a new endpoint (validated by the caller's form) with a fresh secret."""
    _check_scope(endpoint, actor)
    endpoint.secret = signing.new_secret()
    endpoint.status = WebhookEndpoint.Status.ACTIVE
    endpoint.created_by = actor if getattr(actor, "is_authenticated", False) else None
    endpoint.save()
    audit.record(actor, "webhook.create", endpoint, **_describe(endpoint))
    events.endpoints_changed()
    return endpoint


@transaction.atomic
def do_update_endpoint(endpoint: WebhookEndpoint, *, actor: Any) -> WebhookEndpoint:
    """Save an editor's changes to the address, statement, events or scope."""
    previous = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    _check_scope(previous, actor)  # where a private endpoint posts is the addresses' way out
    _check_scope(endpoint, actor)
    endpoint.save(update_fields=[field for field in EDITABLE])
    audit.record(actor, "webhook.edit", endpoint, **_describe(endpoint))
    events.endpoints_changed()
    return endpoint


@transaction.atomic
def do_rotate_secret(endpoint: WebhookEndpoint, *, actor: Any,
                     now: datetime | None = None) -> WebhookEndpoint:
    """A new secret; the old one keeps signing beside it for a day."""
    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret, endpoint.secret = endpoint.secret, signing.new_secret()
    endpoint.previous_secret_until = now + ROTATION_OVERLAP
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    audit.record(actor, "webhook.rotate_secret", endpoint)
    return endpoint


@transaction.atomic
def do_set_status(endpoint: WebhookEndpoint, status: str, *, actor: Any) -> WebhookEndpoint:
    """Disable an endpoint (no events are written for it, waiting ones wait) or enable it
    again (active, its failure forgotten)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.status == status:
        return endpoint
    previous = endpoint.status
    endpoint.status = status
    endpoint.failing_since = None
    endpoint.save(update_fields=["status", "failing_since"])
    audit.record(actor, f"webhook.{status}", endpoint, previous=previous)
    events.endpoints_changed()
    return endpoint


@transaction.atomic
def do_delete_endpoint(endpoint: WebhookEndpoint, *, actor: Any) -> None:
    """The endpoint and its waiting deliveries go."""
    audit.record(actor, "webhook.delete", endpoint, **_describe(endpoint))
    endpoint.delete()
    events.endpoints_changed()
