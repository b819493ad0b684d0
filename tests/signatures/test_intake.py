"""The sign-on intake (signatures.intake): in a surge, requests only append, and pending sign-ons
become signatures and mails in batches, with the same outcome as one at a time."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from privacy import actions as privacy_actions
from privacy import holdings
from signatures import intake
from signatures.models import Signature, SignOn
from signatures.tasks import MIN_MAIL_INTERVAL
from tests.signatures.conftest import mail_links, post_sign


@pytest.fixture
def surge(monkeypatch):
    """This process applied a moment ago: the next requests only append."""
    monkeypatch.setattr(intake, "APPLY_INTERVAL", 3600)
    monkeypatch.setattr(intake, "_last_applied", float("inf"))


@pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction
def test_in_a_surge_requests_append_and_one_transaction_applies_them_all(
        anon, statement, surge, mailbox, tasks, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(intake, "MAIL_CHUNK", 4)
    answers = {post_sign(anon, statement, email=f"s{n}@example.org", name=f"Signer {n}",
                         language="es" if n == 3 else "en").status_code for n in range(10)}
    assert answers == {303}
    assert SignOn.objects.count() == 10
    assert not Signature.objects.exists()  # stored durably, not applied yet

    # A constant number of queries for the whole batch: no query per sign-on.
    with django_assert_max_num_queries(12):
        assert intake.apply_pending() == 10
    assert not SignOn.objects.exists()
    signatures = Signature.objects.order_by("pk")
    assert [s.email for s in signatures] == [f"s{n}@example.org" for n in range(10)]
    assert {s.status for s in signatures} == {Signature.Status.UNCONFIRMED}
    assert signatures[3].language == "es" and signatures[3].sort_name == "signer 3"
    assert len({s.token_salt for s in signatures}) == 10
    assert DBTaskResult.objects.count() == 3  # 10 mails in chunks of 4

    tasks()
    for n in range(10):
        [mail] = mailbox.to(f"s{n}@example.org")
        assert ("To confirm your signature" in mailbox.text(mail)) is (n != 3)
    confirm = mail_links(mailbox, "s3@example.org")["confirm"]
    assert confirm.startswith("/es/")  # the signer's own language
    assert anon.post(confirm).status_code == 303
    assert Signature.objects.get(email="s3@example.org").status == Signature.Status.VISIBLE


@pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction
def test_a_batch_keeps_one_signature_per_address(anon, statement, surge, mailbox, tasks):
    earlier = timezone.now() - MIN_MAIL_INTERVAL
    Signature.objects.create(statement=statement, kind="individual", name="Ana",
                             email="ana@example.org", mails_sent=1, last_mailed_at=earlier)
    for email in ("ana@example.org", "new@example.org", "new@example.org"):
        assert post_sign(anon, statement, email=email).status_code == 303
    assert intake.apply_pending() == 3

    assert Signature.objects.filter(email="ana@example.org").count() == 1
    assert Signature.objects.filter(email="new@example.org").count() == 1
    assert Signature.objects.get(email="ana@example.org").mails_sent == 2
    tasks()
    # The earlier signer is told again; the address sent twice in one batch gets one mail.
    assert len(mailbox.to("ana@example.org")) == 1
    assert len(mailbox.to("new@example.org")) == 1


def test_a_batch_that_meets_the_constraint_is_applied_row_by_row(anon, statement, surge,
                                                                 monkeypatch):
    for email in ("a@example.org", "race@example.org", "b@example.org"):
        assert post_sign(anon, statement, email=email).status_code == 303
    original = intake._insert_signatures
    calls = []

    def racing_insert(pks):
        # As PostgreSQL reports it when another applier committed the same address between
        # this statement's check and its insert (that applier's signature is made below).
        calls.append(len(pks))
        if len(calls) == 1:
            raise IntegrityError("duplicate key value violates one_signature_per_address")
        return original(pks)

    monkeypatch.setattr(intake, "_insert_signatures", racing_insert)
    Signature.objects.create(statement=statement, kind="individual", name="Other",
                             email="race@example.org", mails_sent=1,
                             last_mailed_at=timezone.now())
    assert intake.apply_pending() == 3
    assert calls == [3, 1, 1, 1]  # the batch, then each sign-on on its own
    assert sorted(Signature.objects.values_list("email", flat=True)) == [
        "a@example.org", "b@example.org", "race@example.org"]
    assert Signature.objects.get(email="race@example.org").name == "Other"
    assert not SignOn.objects.exists()


def test_a_sign_on_no_constraint_allows_is_logged_and_dropped(anon, statement, surge,
                                                             monkeypatch, caplog):
    assert post_sign(anon, statement, email="bad@example.org").status_code == 303
    assert post_sign(anon, statement, email="good@example.org").status_code == 303
    original = intake._store

    def refusing(pending):
        if any(email == "bad@example.org" for _pk, _statement, email, _language in pending):
            raise IntegrityError("CHECK constraint failed")
        return original(pending)

    monkeypatch.setattr(intake, "_store", refusing)
    assert intake.apply_pending() == 2
    assert list(Signature.objects.values_list("email", flat=True)) == ["good@example.org"]
    assert not SignOn.objects.exists()
    assert "could not be stored" in caplog.text
    assert "bad@example.org" not in caplog.text  # the log keeps no address


def test_a_quiet_site_applies_each_sign_on_in_its_own_request(anon, statement, monkeypatch):
    # An interval no two requests of a test outlast, however busy the machine: with the site's
    # 0.1 s, a slow second request came after the interval and was applied at once (seen in CI).
    monkeypatch.setattr(intake, "APPLY_INTERVAL", 3600)
    monkeypatch.setattr(intake, "_last_applied", float("-inf"))
    assert post_sign(anon, statement, email="first@example.org").status_code == 303
    assert Signature.objects.filter(email="first@example.org").exists()
    assert not SignOn.objects.exists()
    # A second sign-on within the interval waits for the next applier.
    assert post_sign(anon, statement, email="second@example.org").status_code == 303
    assert SignOn.objects.filter(email="second@example.org").exists()


def test_data_rights_see_and_forget_a_sign_on_still_in_the_intake(anon, statement, surge):
    assert post_sign(anon, statement, email="Pending@Example.org").status_code == 303
    assert holdings.holds_anything("pending@example.org")
    exported = holdings.export_for_address("pending@example.org")
    assert [s["email"] for s in exported["signatures"]] == ["pending@example.org"]

    assert post_sign(anon, statement, email="gone@example.org").status_code == 303
    privacy_actions.forget_address("gone@example.org")
    assert not SignOn.objects.exists()
    assert not Signature.objects.filter(email="gone@example.org").exists()


def test_a_deleted_statement_takes_its_pending_sign_ons_along(anon, statement, surge):
    assert post_sign(anon, statement, email="ana@example.org").status_code == 303
    statement.delete()
    assert not SignOn.objects.exists()
    assert intake.apply_pending() == 0


def _rows_stepped_over_to_find_pending() -> int:
    """How many row versions the scan for pending sign-ons visits in the table itself.

    SQLite reuses a deleted row's space at once; PostgreSQL keeps deleted rows until VACUUM,
    and its index scan must visit each to learn that it is gone (the index-only scan's "Heap
    Fetches"; a vacuumed page is known to hold no dead rows and is not visited)."""
    table = connection.ops.quote_name(SignOn._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            return cursor.fetchone()[0]
        with transaction.atomic():
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) SELECT id FROM {table} ORDER BY id")  # noqa: S608
            plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Plan"].get("Heap Fetches", 0)


@pytest.mark.django_db(transaction=True)  # VACUUM cannot run inside a transaction
def test_applied_sign_ons_leave_nothing_for_the_next_batch_to_step_over(
        anon, statement, surge, monkeypatch):
    monkeypatch.setattr(intake, "VACUUM_EVERY", 20)
    monkeypatch.setattr(intake, "_applied_since_vacuum", 0)
    for n in range(12):
        assert post_sign(anon, statement, email=f"v{n}@example.org").status_code == 303
    assert intake.apply_pending() == 12
    for n in range(12, 24):
        assert post_sign(anon, statement, email=f"v{n}@example.org").status_code == 303
    assert intake.apply_pending() == 12  # 24 applied: the intake is vacuumed
    assert Signature.objects.filter(email__startswith="v").count() == 24
    assert _rows_stepped_over_to_find_pending() == 0
