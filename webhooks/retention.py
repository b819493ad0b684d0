"""What the maintenance schedule removes of the outbox (registered in ``WebhooksConfig``).

A delivered row is kept ``WEBHOOK_DELIVERED_RETENTION_DAYS`` (default 7) so editors can see
what went out; a row given up ``WEBHOOK_FAILED_RETENTION_DAYS`` (default 30), for an editor
looking into a failing endpoint. Rows hold ids and times, no personal data, but nothing is kept
without a use."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.periodic import days
from webhooks.models import WebhookDelivery


def remove_old_deliveries(now: datetime) -> int:
    delivered_before = now - timedelta(days=days("WEBHOOK_DELIVERED_RETENTION_DAYS", 7))
    failed_before = now - timedelta(days=days("WEBHOOK_FAILED_RETENTION_DAYS", 30))
    removed, _ = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.DELIVERED, delivered_at__lt=delivered_before).delete()
    gave_up, _ = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.GAVE_UP, created_at__lt=failed_before).delete()
    return removed + gave_up
