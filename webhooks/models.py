"""Webhook endpoints editors register, and the outbox of events waiting for them.

An event writes one ``WebhookDelivery`` row per matching endpoint in the transaction of the
change (``webhooks.events``); the task worker posts it (``webhooks.delivery``) until the
endpoint answers 2xx or a day has passed. The row holds ids and times, never a payload: the
payload is built when the row is delivered, from the record as it is then (docs/webhooks.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from statements.models import Statement


class Event(models.TextChoices):
    SIGNATURE_CONFIRMED = "signature.confirmed", _("Signature confirmed")
    SIGNATURE_WITHDRAWN = "signature.withdrawn", _("Signature withdrawn")
    COMMENT_PUBLISHED = "comment.published", _("Comment published")
    STATEMENT_PUBLISHED = "statement.published", _("Statement published")
    STATEMENT_CHANGED = "statement.changed", _("Statement changed")


class WebhookEndpoint(models.Model):
    class Scope(models.TextChoices):
        PUBLIC = "public", _("Public: only what the public pages show")
        PRIVATE = "private", _("Private: also the addresses of signers who agreed to be "
                               "contacted")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        FAILING = "failing", _("failing")
        DISABLED = "disabled", _("disabled")

    name = models.CharField(_("name"), max_length=100,
                            help_text=_("Who receives the events, e.g. “CiviCRM sync”."))
    url = models.URLField(_("URL"), max_length=500,
                          help_text=_("Where the events are posted. Must start with https://."))
    statement = models.ForeignKey(Statement, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+", verbose_name=_("statement"),
                                  help_text=_("Empty: the events of every statement."))
    events = models.JSONField(_("events"), default=list)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices,
                             default=Scope.PUBLIC)
    # Kept as it is (an HMAC key cannot be hashed); only editors see it, in the admin.
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    # The secret before the last rotation, still used beside the new one for a day, so a
    # receiver can switch without losing events (Standard Webhooks allows several signatures).
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.ACTIVE)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True,
                                         editable=False)
    last_delivered_at = models.DateTimeField(_("last delivered"), null=True, blank=True,
                                             editable=False)
    last_error = models.CharField(_("last error"), max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        GAVE_UP = "gave_up", _("gave up")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries")
    event = models.CharField(max_length=32, choices=Event.choices)
    # The signature, comment or statement the event is about.
    object_id = models.BigIntegerField()
    # ``webhook-id``: ``msg_<event>_<endpoint>``, the same on every attempt, so the
    # receiver can drop a repeat.
    message_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker claims rows before posting them, so two workers do not post the same row.
    claim = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The status code or the network error of the last attempt: never the receiver's body.
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_due"),
            models.Index(fields=["claim"], name="webhook_claim"),
            models.Index(fields=["status", "delivered_at"], name="webhook_delivered"),
        ]

    def __str__(self) -> str:
        return self.message_id
