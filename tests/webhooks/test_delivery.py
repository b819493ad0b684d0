"""Delivery to a real receiver on 127.0.0.1: signed as Standard Webhooks says (checked with the
``standardwebhooks`` library), retried with backoff, given up after a day."""

from __future__ import annotations

import socket
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from core.models import AuditEntry
from tests.webhooks.conftest import confirmed, make_endpoint
from webhooks import actions, delivery, retention
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_a_confirmed_signature_reaches_the_receiver_signed(receiver, editor, statement):
    endpoint = make_endpoint(receiver.url, actor=editor)
    signature = confirmed(statement)

    assert delivery.deliver_due() == 1

    (request,) = receiver.requests
    (payload,) = receiver.verified(endpoint.secret)
    assert request.path == "/hooks"
    assert request.headers["Content-Type"] == "application/json"
    item = payload[0]
    assert item["undersigned:event"] == "signature.confirmed"
    resource = item["osdi:signature"]
    assert resource["identifiers"] == [f"undersigned:signature-{signature.pk}"]
    assert resource["undersigned:display"]["name"] == "Ana Lima"
    assert resource["_links"]["osdi:petition"]["href"].endswith(
        f"/api/v1/petitions/{statement.pk}")
    row = WebhookDelivery.objects.get()
    assert row.status == WebhookDelivery.Status.DELIVERED
    assert request.headers["webhook-id"] == row.message_id
    endpoint.refresh_from_db()
    assert endpoint.last_delivered_at is not None


def test_a_wrong_secret_or_a_changed_body_fails_verification(receiver, editor, statement):
    make_endpoint(receiver.url, actor=editor)
    confirmed(statement)
    delivery.deliver_due()
    (request,) = receiver.requests
    other = make_endpoint("https://other.example.org/", actor=editor)
    with pytest.raises(WebhookVerificationError):
        Webhook(other.secret).verify(request.body, request.headers)
    endpoint = WebhookEndpoint.objects.get(url=receiver.url)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(request.body.replace(b"Ana", b"Eve"), request.headers)


def test_a_500_is_tried_again_later_with_the_same_id(receiver, editor, statement):
    endpoint = make_endpoint(receiver.url, actor=editor)
    confirmed(statement)
    receiver.answers = [500]
    start = timezone.now()

    assert delivery.deliver_due(now=start) == 0
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 500")
    assert row.next_attempt_at == start + timedelta(seconds=10)

    assert delivery.deliver_due(now=start + timedelta(seconds=5)) == 0  # not due yet
    assert len(receiver.requests) == 1
    assert delivery.deliver_due(now=start + timedelta(seconds=10)) == 1

    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == row.message_id
    assert first.body == second.body
    receiver.verified(endpoint.secret)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("delivered", 2)


@pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction
def test_after_a_day_of_failures_the_endpoint_is_failing_and_editors_are_told(
        receiver, editor, statement, mailbox, tasks):
    endpoint = make_endpoint(receiver.url, actor=editor)
    confirmed(statement)
    receiver.answers = [503] * 50
    row = WebhookDelivery.objects.get()
    moments = []
    now = row.created_at
    for _attempt in range(20):  # bounded: a row that never leaves "pending" fails below
        delivery.deliver_due(now=now)
        moments.append(now)
        row.refresh_from_db()
        if row.status != WebhookDelivery.Status.PENDING:
            break
        now = row.next_attempt_at

    gaps = [later - earlier for earlier, later in zip(moments, moments[1:], strict=False)]
    assert gaps[:6] == [timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5),
                        timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6)]
    assert moments[-1] == row.created_at + timedelta(days=1)  # the last try closes the day
    assert row.status == WebhookDelivery.Status.GAVE_UP
    assert len(receiver.requests) == len(moments)
    endpoint.refresh_from_db()
    assert endpoint.status == WebhookEndpoint.Status.FAILING
    assert endpoint.last_error == "HTTP 503"

    tasks()
    (mail,) = mailbox.to("edna@example.org")
    assert str(make_header(decode_header(mail["Subject"]))) == \
        "Webhook endpoint “CRM” is failing"
    assert f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/" in mailbox.text(mail)

    # It comes back: the next event delivered makes it active again.
    confirmed(statement, email="bea@example.org", name="Bea")
    receiver.answers = []
    assert delivery.deliver_due() == 1
    endpoint.refresh_from_db()
    assert endpoint.status == WebhookEndpoint.Status.ACTIVE
    assert endpoint.failing_since is None


def test_a_redirect_is_not_followed(receiver, editor, statement):
    make_endpoint(receiver.url, actor=editor)
    confirmed(statement)
    receiver.answers = [307]
    receiver.location = "https://elsewhere.example.org/steal"
    assert delivery.deliver_due(now=timezone.now()) == 0
    assert len(receiver.requests) == 1
    row = WebhookDelivery.objects.get()
    assert row.status == "pending" and "redirect" in row.last_error


def test_a_refused_connection_is_retried_and_the_rest_of_the_batch_waits(editor, statement):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    make_endpoint(f"http://127.0.0.1:{port}/", actor=editor)
    confirmed(statement)
    confirmed(statement, email="bea@example.org", name="Bea")
    now = timezone.now()
    assert delivery.deliver_due(now=now) == 0
    rows = list(WebhookDelivery.objects.all())
    assert all(r.status == "pending" and r.attempts == 1 for r in rows)
    assert all("ConnectionRefusedError" in r.last_error for r in rows)
    assert all(r.next_attempt_at == now + timedelta(seconds=10) for r in rows)


def test_a_disabled_endpoint_gets_nothing_until_enabled(receiver, editor, statement):
    endpoint = make_endpoint(receiver.url, actor=editor)
    confirmed(statement)
    actions.do_set_status(endpoint, WebhookEndpoint.Status.DISABLED, actor=editor)
    confirmed(statement, email="bea@example.org", name="Bea")  # not written at all
    assert delivery.deliver_due() == 0
    assert receiver.requests == []
    assert WebhookDelivery.objects.count() == 1
    actions.do_set_status(endpoint, WebhookEndpoint.Status.ACTIVE, actor=editor)
    assert delivery.deliver_due() == 1
    assert AuditEntry.objects.filter(action="webhook.disabled").exists()


def test_a_rotated_secret_and_the_old_one_both_verify_for_a_day(receiver, editor, statement):
    endpoint = make_endpoint(receiver.url, actor=editor)
    old = endpoint.secret
    endpoint = actions.do_rotate_secret(endpoint, actor=editor)
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
    confirmed(statement)
    delivery.deliver_due()
    receiver.verified(old)
    receiver.verified(endpoint.secret)

    endpoint.previous_secret_until = timezone.now() - timedelta(seconds=1)
    endpoint.save()
    confirmed(statement, email="bea@example.org", name="Bea")
    delivery.deliver_due()
    Webhook(endpoint.secret).verify(receiver.requests[-1].body, receiver.requests[-1].headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(receiver.requests[-1].body, receiver.requests[-1].headers)


def test_two_workers_never_claim_the_same_row(editor, statement):
    make_endpoint("https://crm.example.org/", actor=editor)
    for n in range(5):
        confirmed(statement, email=f"s{n}@example.org", name=f"S{n}")
    now = timezone.now()
    first = delivery.claim(now, size=3)
    second = delivery.claim(now, size=3)
    assert len(first) == 3 and len(second) == 2
    assert not {r.pk for r in first} & {r.pk for r in second}
    assert delivery.claim(now) == []
    # A worker killed with its claim: the rows are due again once the claim has run out.
    assert len(delivery.claim(now + delivery.CLAIM + timedelta(seconds=1))) == 5


@pytest.mark.django_db(transaction=True)  # committed, as a confirmation is
def test_through_the_task_queue_after_commit(receiver, editor, statement, tasks):
    endpoint = make_endpoint(receiver.url, actor=editor)
    confirmed(statement)  # its transaction commits: the worker is woken
    assert receiver.requests == []  # never inside the request: the worker posts it
    tasks()
    assert len(receiver.verified(endpoint.secret)) == 1


def test_old_delivered_rows_are_removed(receiver, editor, statement):
    make_endpoint(receiver.url, actor=editor)
    confirmed(statement)
    delivery.deliver_due()
    now = timezone.now()
    assert retention.remove_old_deliveries(now + timedelta(days=6)) == 0
    assert retention.remove_old_deliveries(now + timedelta(days=8)) == 1
    assert not WebhookDelivery.objects.exists()


def test_a_retry_gets_a_run_planned_at_its_time(receiver, editor, statement):
    from django_tasks_db.models import DBTaskResult

    from webhooks import tasks as webhook_tasks

    make_endpoint(receiver.url, actor=editor)
    confirmed(statement)
    receiver.answers = [500]
    webhook_tasks.deliver_webhooks.call()
    row = WebhookDelivery.objects.get()
    planned = DBTaskResult.objects.filter(task_path="webhooks.tasks.deliver_webhooks",
                                          status="READY")
    assert list(planned.values_list("run_after", flat=True)) == [row.next_attempt_at]
    webhook_tasks.deliver_webhooks.call()  # nothing due: the run planned already will do
    assert planned.count() == 1
    # The maintenance schedule wakes a run once rows are due (a process died before it could).
    assert webhook_tasks.wake_if_due(row.next_attempt_at - timedelta(seconds=1)) == 0
    assert webhook_tasks.wake_if_due(row.next_attempt_at) == 1
    assert planned.count() == 2
