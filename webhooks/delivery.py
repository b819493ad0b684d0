"""Posting the outbox: run by the task worker (``webhooks.tasks``), never in a visitor's request.

A run claims a batch of due rows (so two workers never post the same row at once), builds
their bodies from the records as they are now (``webhooks.payloads``), signs them
(``webhooks.signing``) and posts each to its endpoint over one kept connection per endpoint.
A 2xx answer is a delivery; anything else — another status, a redirect (never followed), a
refused connection, a timeout — is tried again later: 10 s, 1 min, 5 min, 30 min, 2 h, then
every 6 h, the last attempt a day after the event. Then the row is given up, the endpoint is
marked failing and its editors are told by mail. At least once: a worker killed between the
receiver's answer and the row's update posts it again, with the same ``webhook-id``.
"""

from __future__ import annotations

import http.client
import logging
import ssl
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Min, Q
from django.urls import reverse
from django.utils import timezone

from core.mail import absolute, queue_mail
from webhooks import payloads, signing
from webhooks.models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

# Rows claimed at a time: each batch costs two short write transactions (the claim, the
# outcome) whatever its size, and on SQLite every write waits for the one writer's lock that
# sign-ons share. A claim lasts long enough for a batch to time out endpoint by endpoint (the
# rest of an endpoint's batch waits after its first network failure).
BATCH = 200
CLAIM = timedelta(minutes=10)
TIMEOUT_SECONDS = 5.0
# The receiver's answer is read up to this much (then the connection is dropped): what it
# says is not used, and a huge or endless answer must not hold the worker.
RESPONSE_CAP = 64 * 1024
BACKOFF = (timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5),
           timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6))
WINDOW = timedelta(days=1)
USER_AGENT = "undersigned-webhooks/1 (+https://www.standardwebhooks.com/)"


def next_attempt(created_at: datetime, attempts: int, now: datetime) -> datetime | None:
    """When to try a row again after its ``attempts``-th failure at ``now``; None to give up.
    The last attempt is made when the window closes, a day after the event."""
    closes = created_at + WINDOW
    if now >= closes:
        return None
    return min(now + BACKOFF[min(attempts, len(BACKOFF)) - 1], closes)


class Poster:
    """One endpoint's connection, kept across the rows of a batch."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.host_header = parts.netloc
        self.connection: http.client.HTTPConnection | None = None
        self.used = False

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            if self.https:
                self.connection = http.client.HTTPSConnection(
                    self.host, self.port, timeout=TIMEOUT_SECONDS,
                    context=ssl.create_default_context())
            else:
                self.connection = http.client.HTTPConnection(self.host, self.port,
                                                             timeout=TIMEOUT_SECONDS)
            self.used = False
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def post(self, body: bytes, headers: dict[str, str]) -> int:
        """The answer's status code. Raises OSError or http.client.HTTPException."""
        for attempt in (1, 2):
            connection = self._connect()
            reused = self.used
            try:
                connection.request("POST", self.path, body=body, headers={
                    "Host": self.host_header, "Content-Type": "application/json",
                    "User-Agent": USER_AGENT, **headers})
                response = connection.getresponse()
                answer = response.read(RESPONSE_CAP + 1)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if reused and attempt == 1:
                    continue  # the receiver closed an idle kept connection: a new one
                raise
            except BaseException:
                self.close()
                raise
            if len(answer) > RESPONSE_CAP or response.will_close or not response.isclosed():
                self.close()
            else:
                self.used = True
            return response.status
        raise AssertionError("unreachable")  # pragma: no cover


def _secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    in_use = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and \
            endpoint.previous_secret_until > now:
        in_use.append(endpoint.previous_secret)
    return in_use


def _unclaimed(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def claim(now: datetime, size: int = BATCH) -> list[WebhookDelivery]:
    """Due rows for this worker alone (until ``CLAIM`` has passed: then a killed worker's rows
    are due again)."""
    due = (WebhookDelivery.objects
           .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
           .filter(_unclaimed(now))
           .exclude(endpoint__status=WebhookEndpoint.Status.DISABLED)
           .order_by("next_attempt_at", "id").values_list("id", flat=True)[:size])
    ids = list(due)
    if not ids:
        return []
    token = uuid.uuid4().hex
    WebhookDelivery.objects.filter(id__in=ids).filter(_unclaimed(now)).update(
        claim=token, claimed_until=now + CLAIM)
    return list(WebhookDelivery.objects.filter(claim=token).select_related("endpoint")
                .order_by("id"))


@dataclass
class Outcome:
    delivered: list[int]
    failed: list[tuple[WebhookDelivery, str]]


def _post_all(poster: Poster, endpoint: WebhookEndpoint, rows: list[WebhookDelivery],
              bodies: dict[int, bytes], now: datetime) -> Outcome:
    outcome = Outcome([], [])
    unreachable = ""
    try:
        for row in rows:
            if unreachable:  # the endpoint did not answer: the rest of its batch waits too
                outcome.failed.append((row, unreachable))
                continue
            body = bodies[row.pk]
            headers = signing.headers(_secrets(endpoint, now), row.message_id,
                                      int(time.time()), body)
            try:
                status = poster.post(body, headers)
            except (OSError, http.client.HTTPException) as error:
                unreachable = f"{type(error).__name__}: {error}"[:200]
                outcome.failed.append((row, unreachable))
                continue
            if 200 <= status < 300:
                outcome.delivered.append(row.pk)
            elif 300 <= status < 400:
                outcome.failed.append((row, f"HTTP {status} (redirects are not followed)"))
            else:
                outcome.failed.append((row, f"HTTP {status}"))
    except BaseException:
        poster.close()
        raise
    if unreachable:
        poster.close()
    return outcome


def _record(endpoint: WebhookEndpoint, outcome: Outcome, now: datetime) -> None:
    gave_up = False
    with transaction.atomic():
        if outcome.delivered:
            WebhookDelivery.objects.filter(id__in=outcome.delivered).update(
                status=WebhookDelivery.Status.DELIVERED, delivered_at=now,
                attempts=F("attempts") + 1, claim="", claimed_until=None, last_error="")
            back: dict[str, Any] = {"last_delivered_at": now}
            if endpoint.status == WebhookEndpoint.Status.FAILING:
                back.update(status=WebhookEndpoint.Status.ACTIVE, failing_since=None)
            WebhookEndpoint.objects.filter(pk=endpoint.pk).exclude(
                status=WebhookEndpoint.Status.DISABLED).update(**back)
        for row, error in outcome.failed:
            attempts = row.attempts + 1
            when = next_attempt(row.created_at, attempts, now)
            if when is None:
                gave_up = True
                WebhookDelivery.objects.filter(pk=row.pk).update(
                    status=WebhookDelivery.Status.GAVE_UP, attempts=attempts, claim="",
                    claimed_until=None, last_error=error)
            else:
                WebhookDelivery.objects.filter(pk=row.pk).update(
                    attempts=attempts, next_attempt_at=when, claim="", claimed_until=None,
                    last_error=error)
        if outcome.failed:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                last_error=outcome.failed[-1][1])
        if gave_up and not outcome.delivered:
            _mark_failing(endpoint, outcome.failed[-1][1], now)


def _mark_failing(endpoint: WebhookEndpoint, error: str, now: datetime) -> None:
    """The first row given up turns an active endpoint failing, and its editors are told once."""
    turned = WebhookEndpoint.objects.filter(
        pk=endpoint.pk, status=WebhookEndpoint.Status.ACTIVE).update(
        status=WebhookEndpoint.Status.FAILING, failing_since=now)
    if not turned:
        return
    admin_url = absolute(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    for address in editors_to_tell():
        queue_mail(address, "webhooks/mail/failing.txt",
                   {"endpoint": endpoint, "error": error, "admin_url": admin_url},
                   language="en", data_rights=False)


def editors_to_tell() -> list[str]:
    """The addresses of the active users who may change webhook endpoints."""
    users = get_user_model().objects.with_perm("webhooks.change_webhookendpoint",
                                                is_active=True, include_superusers=True)
    return sorted({user.email for user in users if user.email})


def deliver_batch(rows: list[WebhookDelivery], now: datetime,
                  posters: dict[str, Poster] | None = None) -> int:
    """Post claimed rows; returns how many were delivered. ``posters``: the connections kept
    by the caller across batches, by URL."""
    posters = {} if posters is None else posters
    bodies = payloads.bodies(rows)
    by_endpoint: dict[int, list[WebhookDelivery]] = defaultdict(list)
    for row in rows:
        by_endpoint[row.endpoint_id].append(row)
    delivered = 0
    for endpoint_rows in by_endpoint.values():
        endpoint = endpoint_rows[0].endpoint
        poster = posters.setdefault(endpoint.url, Poster(endpoint.url))
        outcome = _post_all(poster, endpoint, endpoint_rows, bodies, now)
        _record(endpoint, outcome, now)
        delivered += len(outcome.delivered)
    return delivered


def deliver_due(now: datetime | None = None) -> int:
    """Deliver every row due now, batch after batch, until none is left; returns how many
    were delivered. ``now`` fixed (tests) decides which rows are due and when to retry."""
    delivered = 0
    posters: dict[str, Poster] = {}
    try:
        while True:
            moment = now or timezone.now()
            rows = claim(moment)
            if not rows:
                return delivered
            delivered += deliver_batch(rows, moment, posters)
    finally:
        for poster in posters.values():
            poster.close()


def next_due() -> datetime | None:
    """When the earliest row waiting for a retry is due."""
    found: Any = (WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
                  .aggregate(first=Min("next_attempt_at"))["first"])
    return found
