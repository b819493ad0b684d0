"""Confirmation mails delivered by the task workers to a local SMTP server."""

from __future__ import annotations

import time

from bench.harness import App, Plan, SmtpSink, run_json
from bench.report import Result, record


def bench_mail(app: App, env: dict[str, str], smtp: SmtpSink, plan: Plan) -> None:
    """How fast the task worker delivers a burst of queued mails to a real SMTP server."""
    count = 300 if plan.quick else 3000
    while run_json(["bench/djtools.py", "queue"], env, 60)["waiting"]:  # earlier runs' mails
        time.sleep(1)
    before = smtp.count()
    run_json(["bench/djtools.py", "enqueue-mail", str(count)], env, 300)
    started = time.monotonic()
    deadline = started + plan.drain_seconds
    while smtp.count() - before < count and time.monotonic() < deadline:
        time.sleep(0.5)
    delivered = smtp.count() - before
    with smtp.lock:
        times = smtp.times[before:]
    elapsed = (times[-1] - started) if times else time.monotonic() - started
    rate = delivered / elapsed if elapsed > 0 else 0.0
    workers = sum(1 for role in app.processes().values() if role == "task worker")
    record(Result("confirmation mails delivered by the worker to a local SMTP server", rate, "/s",
                  reference=f"{delivered:,} of {count:,} queued mails in {elapsed:.1f} s "
                  f"({workers} task worker processes, rendering included)", target="≥ 200/s",
                  ratio=f"{rate / 200:.2f} ×",
                  met=rate >= 200))
