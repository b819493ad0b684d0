"""Mail gives way to a surge of sign-ons (core/cpu.py, signatures/tasks.py): a worker waits,
boundedly and outside any lock, while every core is busy and sign-ons wait in the intake."""

from __future__ import annotations

import time

import pytest

from core import cpu
from signatures import tasks
from signatures.models import Signature, SignOn
from signatures.tasks import mail_signer
from tests.signatures.conftest import post_sign


@pytest.fixture
def loadavg(tmp_path, monkeypatch):
    path = tmp_path / "loadavg"
    monkeypatch.setattr(cpu, "LOADAVG", path)
    monkeypatch.setattr(cpu.os, "cpu_count", lambda: 2)
    return path


@pytest.mark.parametrize(("line", "busy"), [
    ("2.10 1.80 1.20 3/240 9001", True),    # the caller and two others on two cores
    ("2.10 1.80 1.20 5/240 9001", True),
    ("0.40 0.30 0.20 2/240 9001", False),   # a core is free
    ("0.40 0.30 0.20 1/240 9001", False),   # only the caller
    ("garbage", False),
])
def test_all_cores_busy_reads_the_running_tasks(loadavg, line, busy):
    loadavg.write_text(line + "\n")
    assert cpu.all_cores_busy() is busy


def test_without_proc_loadavg_nothing_ever_waits(loadavg):
    assert not loadavg.exists()
    assert cpu.all_cores_busy() is False
    assert cpu.wait_while(cpu.all_cores_busy, max_seconds=5) < 0.5


def test_the_wait_ends_when_the_cores_free_up_and_is_bounded(loadavg):
    answers = iter([True, True, True, False])
    assert cpu.wait_while(lambda: next(answers), max_seconds=5) < 1
    started = time.monotonic()
    waited = cpu.wait_while(lambda: True, max_seconds=0.2)
    assert 0.2 <= waited < 1 and time.monotonic() - started < 1


@pytest.mark.django_db
def test_mail_waits_only_while_busy_cores_meet_waiting_sign_ons(anon, statement, loadavg,
                                                                monkeypatch):
    from signatures import intake

    monkeypatch.setattr(intake, "APPLY_INTERVAL", 3600)
    monkeypatch.setattr(intake, "_last_applied", float("inf"))
    loadavg.write_text("2.0 2.0 2.0 4/240 9001\n")
    assert tasks._signers_waiting() is False  # busy, but no sign-on waits: other work
    assert post_sign(anon, statement, email="queued@example.org").status_code == 303
    assert SignOn.objects.exists()
    assert tasks._signers_waiting() is True
    loadavg.write_text("0.5 0.5 0.5 1/240 9001\n")
    assert tasks._signers_waiting() is False  # a core is free: mail goes on


@pytest.mark.django_db(transaction=True)  # the worker runs outside the test's transaction
def test_a_mail_still_leaves_when_the_machine_stays_busy(anon, statement, mailbox, tasks,
                                                         loadavg, monkeypatch):
    from signatures import intake

    assert post_sign(anon, statement, email="patient@example.org").status_code == 303
    signature = Signature.objects.get()
    monkeypatch.setattr(intake, "APPLY_INTERVAL", 3600)
    monkeypatch.setattr(intake, "_last_applied", float("inf"))
    assert post_sign(anon, statement, email="next@example.org").status_code == 303
    loadavg.write_text("2.0 2.0 2.0 4/240 9001\n")
    monkeypatch.setattr(cpu, "MAX_WAIT_SECONDS", 0.3)
    mail_signer.enqueue(signature_id=signature.pk, template="already_signed", language="en")
    started = time.monotonic()
    tasks()
    assert time.monotonic() - started >= 0.3  # it gave way first
    assert mailbox.to("patient@example.org")
