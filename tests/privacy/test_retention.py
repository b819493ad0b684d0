"""Retention, run by the task worker on a schedule (ops.maintenance; each app registers its
steps in core.periodic)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments.models import Comment
from core import periodic, taskqueue
from ops import maintenance
from signatures.models import Signature
from statements.models import Statement
from tests.conftest import make_statement
from tests.privacy.conftest import make_comment, make_signature

pytestmark = pytest.mark.django_db


def age(model, obj, days: int, field: str = "created_at") -> None:
    model.objects.filter(pk=obj.pk).update(**{field: timezone.now() - timedelta(days=days)})


def test_ip_hashes_are_erased_after_the_retention_period(settings, statement) -> None:
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "IP_HASH_RETENTION_DAYS": 30}
    old_sig, new_sig = make_signature(statement, "a@example.org"), make_signature(statement, "b@example.org")
    old_com, new_com = make_comment(statement, "a@example.org"), make_comment(statement, "b@example.org")
    age(Signature, old_sig, 31)
    age(Comment, old_com, 31)
    age(Signature, new_sig, 29)
    result = maintenance.maintain()
    assert result["ip_hashes_erased"] == 2
    assert Signature.objects.get(pk=old_sig.pk).ip_hash == ""
    assert Comment.objects.get(pk=old_com.pk).ip_hash == ""
    assert Signature.objects.get(pk=new_sig.pk).ip_hash and Comment.objects.get(pk=new_com.pk).ip_hash


def test_unconfirmed_signatures_expire(settings, statement) -> None:
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "UNCONFIRMED_EXPIRY_DAYS": 7}
    old = make_signature(statement, "a@example.org", status="unconfirmed")
    fresh = make_signature(statement, "b@example.org", status="unconfirmed")
    confirmed = make_signature(statement, "c@example.org")
    age(Signature, old, 8)
    age(Signature, confirmed, 80)
    assert maintenance.maintain()["unconfirmed_expired"] == 1
    assert set(Signature.objects.values_list("pk", flat=True)) == {fresh.pk, confirmed.pk}


def test_addresses_are_erased_after_archiving_keeping_the_public_record(settings) -> None:
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "EMAIL_RETENTION_DAYS_AFTER_ARCHIVE": 90}
    archived = make_statement("old", status=Statement.Status.ARCHIVED)
    recent = make_statement("recent", status=Statement.Status.ARCHIVED)
    live = make_statement("live")
    sig = make_signature(archived, "a@example.org", name="Ana Public")
    com = make_comment(archived, "a@example.org", body="Still here")
    recent_sig = make_signature(recent, "b@example.org")
    live_sig = make_signature(live, "c@example.org")
    age(Statement, archived, 91, "updated_at")
    age(Statement, recent, 10, "updated_at")
    age(Statement, live, 400, "updated_at")
    result = maintenance.maintain()
    assert result["archived_emails_erased"] >= 2
    sig.refresh_from_db()
    com.refresh_from_db()
    assert sig.email == "" and sig.name == "Ana Public" and sig.status == "visible"
    assert com.email == "" and com.body == "Still here"
    assert Signature.objects.get(pk=recent_sig.pk).email == "b@example.org"
    assert Signature.objects.get(pk=live_sig.pk).email == "c@example.org"


def test_maintenance_is_idempotent_and_one_failing_step_does_not_stop_the_others(
        monkeypatch, statement) -> None:
    old = make_signature(statement, "a@example.org")
    age(Signature, old, 400)

    def broken(now):  # noqa: ANN001, ANN202
        raise RuntimeError("boom")

    monkeypatch.setattr(periodic, "_steps", {"broken": [broken], **periodic._steps})
    first = maintenance.maintain()
    assert first["broken"] == -1 and first["ip_hashes_erased"] == 1
    assert maintenance.maintain()["ip_hashes_erased"] == 0


def test_every_app_registers_its_steps() -> None:
    """The schedule is what the apps registered in their ready(): signatures and comments both
    erase IP hashes and archived addresses; the queue's recovery always comes first."""
    steps = dict(maintenance.steps())
    assert next(iter(steps)) == "tasks_recovered"
    assert {"ip_hashes_erased", "unconfirmed_expired", "archived_emails_erased", "digests_sent",
            "surge_pages_refreshed"} <= set(steps)
    assert {step.__module__ for step in steps["ip_hashes_erased"]} == {
        "signatures.retention", "comments.retention"}


def test_moderators_digest_is_sent(monkeypatch, statement) -> None:
    calls = []
    monkeypatch.setattr("comments.actions.send_moderation_digest", lambda now=None: calls.append(now) or 1)
    assert maintenance.maintain()["digests_sent"] == 1 and calls


@pytest.mark.django_db(transaction=True)  # the worker closes its connection (PostgreSQL)
def test_scheduler_enqueues_once_and_the_worker_runs_it(statement, tasks) -> None:
    old = make_signature(statement, "a@example.org")
    age(Signature, old, 400)
    assert maintenance.enqueue_if_idle() is True
    assert maintenance.enqueue_if_idle() is False  # deduplicated while one waits
    assert DBTaskResult.objects.filter(task_path=maintenance.MAINTENANCE_TASK_PATH).count() == 1
    tasks()
    assert Signature.objects.get(pk=old.pk).ip_hash == ""
    assert DBTaskResult.objects.get(task_path=maintenance.MAINTENANCE_TASK_PATH).status == "SUCCESSFUL"
    assert maintenance.enqueue_if_idle() is True  # the next run may be queued again


def test_scheduler_command_once(statement, capsys) -> None:
    call_command("scheduler", "--once")
    assert "ip_hashes_erased" in capsys.readouterr().out


def test_tasks_orphaned_by_a_killed_worker_and_failed_mails_are_requeued() -> None:
    from core.mail import send_mail_task

    orphan = send_mail_task.enqueue(to="a@example.org", subject="s", body="b")
    transient = send_mail_task.enqueue(to="b@example.org", subject="s", body="b")
    broken = send_mail_task.enqueue(to="c@example.org", subject="s", body="b")
    fresh = send_mail_task.enqueue(to="d@example.org", subject="s", body="b")
    long_ago = timezone.now() - timedelta(hours=1)
    DBTaskResult.objects.filter(pk__in=[orphan.id, fresh.id]).update(
        status="RUNNING", started_at=long_ago, worker_ids=["w1"])
    DBTaskResult.objects.filter(pk=fresh.id).update(started_at=timezone.now())
    DBTaskResult.objects.filter(pk=transient.id).update(
        status="FAILED", finished_at=long_ago, worker_ids=["w1"],
        exception_class_path="smtplib.SMTPServerDisconnected")
    DBTaskResult.objects.filter(pk=broken.id).update(
        status="FAILED", finished_at=long_ago, worker_ids=["w1"],
        exception_class_path="builtins.ValueError")
    assert taskqueue.recover_tasks(timezone.now()) == 2
    status = {str(k): v for k, v in DBTaskResult.objects.values_list("id", "status")}
    assert status[orphan.id] == "READY" and status[transient.id] == "READY"
    assert status[broken.id] == "FAILED" and status[fresh.id] == "RUNNING"
    # Give up after MAX_ATTEMPTS.
    DBTaskResult.objects.filter(pk=transient.id).update(
        status="FAILED", finished_at=long_ago - timedelta(days=2),
        worker_ids=[f"w{i}" for i in range(taskqueue.MAX_ATTEMPTS)])
    assert taskqueue.recover_tasks(timezone.now()) == 0
