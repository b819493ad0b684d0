"""Update mails at scale (issue 17): 100,000 consenting signers, one update sent to all of them.

Measures, against a real `undersigned serve` (granian, its task workers at their usual
niceness) on 127.0.0.1 and a real SMTP server (aiosmtpd) in the benchmark's own process:

* the time to queue: ``updates.actions.do_send_update`` — one INSERT … SELECT of a row per
  recipient and a task row per batch — in its own process, as the admin action runs it;
* the delivery rate: mails arriving at the SMTP server per second, from the send to the last
  mail, with the real worker rendering each mail in its signer's language (a third of them
  Spanish) with its unsubscribe link and data-rights footer;
* whether the statement page's latency holds meanwhile: a few clients fetch a statement page
  (as visitors do: the page cache answers) and a page no cache answers (the unsubscribe page,
  rendered per request by an app thread) before the send and while the mails leave; medians
  and 95th percentiles are compared.

    .venv/bin/python bench/update_mail.py                 # 100,000 recipients
    .venv/bin/python bench/update_mail.py --recipients 10000 --report /tmp/updates.md
    .venv/bin/python bench/run.py --only updates         # the same, inside `make bench`

In-process subcommands (run with the data directory's environment, one line of JSON each):
``setup SLUG`` (consent, languages, a published update with a translation) and ``send SLUG``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")

SLUG = "updates"
TARGET_QUEUE_SECONDS = 60.0
TARGET_RATE = 200.0


# --- in the data directory's environment ---------------------------------------------------

def setup(slug: str) -> dict[str, Any]:
    """Every generated signer asks for news, a third of them in Spanish; one published update
    with a Spanish translation; and one signer's unsubscribe path for the latency probe."""
    import django

    django.setup()
    from django.db.models.functions import Mod
    from django.utils import timezone

    from signatures.models import Signature
    from statements.models import Statement
    from updates.models import Update, UpdateTranslation
    from updates.tasks import unsubscribe_url

    statement = Statement.objects.get(slug=slug)
    signatures = Signature.objects.filter(statement=statement)
    signatures.update(wants_news=True)
    spanish = signatures.alias(third=Mod("id", 3)).filter(third=0).update(language="es")
    update = Update.objects.create(
        statement=statement, title="We delivered the letter",
        body="The minister **received** it on Monday, with every signature.\n\n"
             "> Water is not for sale.\n\nThank you for signing. What comes next: the vote.",
        published_at=timezone.now())
    UpdateTranslation.objects.create(
        update=update, language="es", title="Entregamos la carta",
        body="La ministra la **recibió** el lunes, con todas las firmas.")
    probe = signatures.order_by("pk").first()
    assert probe is not None
    url = unsubscribe_url(probe.pk, probe.token_salt, "en")
    return {"update": update.pk, "recipients": signatures.filter(wants_news=True).count(),
            "spanish": spanish, "unsubscribe_path": url[url.index("/", 8):]}


def send(slug: str) -> dict[str, Any]:
    import django

    django.setup()
    from django_tasks_db.models import DBTaskResult

    from updates import actions
    from updates.models import Update

    update = Update.objects.get(statement__slug=slug)
    started = time.perf_counter()
    count = actions.do_send_update(update, actor="benchmark")
    seconds = time.perf_counter() - started
    return {"queued": count, "seconds": seconds,
            "task_rows": DBTaskResult.objects.filter(
                task_path="updates.tasks.send_update_mails").count()}


def waiting(slug: str) -> dict[str, Any]:
    import django

    django.setup()
    from updates.models import UpdateMail

    return {"waiting": UpdateMail.objects.filter(update__statement__slug=slug).count()}


# --- the driver ----------------------------------------------------------------------------

class LatencyProbe:
    """``clients`` threads fetching ``urls`` in turn, each answer's time recorded per phase."""

    def __init__(self, urls: list[str], clients: int = 4) -> None:
        self.urls, self.clients = urls, clients
        self.phase = "idle"
        self.times: dict[tuple[str, str], list[float]] = {}
        self.errors = 0
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True)
                         for n in range(clients)]

    def _run(self, number: int) -> None:
        from bench.harness import http_get

        turn = number
        while not self._stop.is_set():
            url = self.urls[turn % len(self.urls)]
            turn += 1
            phase = self.phase
            started = time.perf_counter()
            try:
                status, _headers, _body = http_get(url)
            except OSError:
                status = 0
            elapsed = (time.perf_counter() - started) * 1000
            with self.lock:
                if status != 200:
                    self.errors += 1
                elif phase != "idle":
                    self.times.setdefault((phase, url), []).append(elapsed)
            time.sleep(0.02)  # a visitor's pace, not a load test: the mails are the load

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=40)

    def summary(self, phase: str, url: str) -> tuple[float, float, int]:
        with self.lock:
            values = sorted(self.times.get((phase, url), []))
        if not values:
            return 0.0, 0.0, 0
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        return statistics.median(values), p95, len(values)


def run(recipients: int, report: Path | None, keep: bool) -> dict[str, Any]:
    from bench.harness import (
        App,
        SmtpSink,
        environment,
        free_port,
        machine,
        prepare,
        run_json,
        say,
    )

    workdir = Path(tempfile.mkdtemp(prefix="undersigned-updates-"))
    smtp = SmtpSink()
    port = free_port()
    env = environment(workdir / "data", smtp_port=smtp.port, port=port)
    app = App(env, port, workdir / "serve.log")
    info = machine(False)
    probe: LatencyProbe | None = None
    try:
        prepare(env, [(SLUG, recipients, 0), ("quiet", 100, 0)])
        facts = run_json([__file__, "setup", SLUG], env, 900)
        say(f"{facts['recipients']:,} consenting signers ({facts['spanish']:,} in Spanish)")
        app.start()
        workers = sum(1 for role in app.processes().values() if role == "task worker")
        page = f"{app.url}/en/s/quiet/"
        unsubscribe = f"{app.url}{facts['unsubscribe_path']}"
        probe = LatencyProbe([page, unsubscribe])
        probe.start()
        time.sleep(2)  # warm: the page cache, the connections
        probe.phase = "before"
        time.sleep(15)
        probe.phase = "queueing"
        before = smtp.count()
        started = time.monotonic()
        sent = run_json([__file__, "send", SLUG], env, 600)
        queued_at = time.monotonic()
        probe.phase = "during"
        say(f"queued {sent['queued']:,} mails in {sent['seconds']:.2f} s "
            f"({sent['task_rows']} task rows)")
        deadline = queued_at + max(600.0, recipients / 50)
        last_count, last_change = before, time.monotonic()
        while smtp.count() - before < sent["queued"] and time.monotonic() < deadline:
            time.sleep(1)
            now_count = smtp.count()
            if now_count != last_count:
                last_count, last_change = now_count, time.monotonic()
            elif time.monotonic() - last_change > 120:
                say("no mail for two minutes: stopping")
                break
        probe.phase = "after"
        delivered = smtp.count() - before
        with smtp.lock:
            times = smtp.times[before:]
        elapsed = (times[-1] - started) if times else time.monotonic() - started
        rate = delivered / elapsed if elapsed > 0 else 0.0
        left = run_json([__file__, "waiting", SLUG], env, 60)["waiting"]
        probe.stop()
        latency = {phase: {name: probe.summary(phase, url)
                           for name, url in (("statement page", page),
                                             ("unsubscribe page", unsubscribe))}
                   for phase in ("before", "during")}
        result = {"recipients": sent["queued"], "queue_seconds": sent["seconds"],
                  "task_rows": sent["task_rows"], "delivered": delivered,
                  "delivery_seconds": elapsed, "rate": rate, "rows_left": left,
                  "task_workers": workers, "latency_ms": latency,
                  "probe_errors": probe.errors, "machine": info}
        say(f"delivered {delivered:,} in {elapsed:.1f} s: {rate:.0f}/s; rows left {left}")
        for phase, pages in latency.items():
            for name, (median, p95, count) in pages.items():
                say(f"{phase:>7} {name}: median {median:.1f} ms, p95 {p95:.1f} ms ({count})")
        if report is not None:
            report.write_text(markdown(result))
            say(f"wrote {report}")
        return result
    finally:
        if probe is not None:
            probe.stop()
        app.stop()
        smtp.stop()
        if keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def markdown(result: dict[str, Any]) -> str:
    """The figures as a section of docs/benchmarks.md."""
    info = result["machine"]
    queue_met = result["queue_seconds"] < TARGET_QUEUE_SECONDS
    rate_met = result["rate"] >= TARGET_RATE
    lines = [
        f"| queue {result['recipients']:,} update mails (`do_send_update`) | "
        f"{result['queue_seconds']:.2f} s | < {TARGET_QUEUE_SECONDS:.0f} s | "
        f"{'met' if queue_met else 'NOT met'} |",
        f"| deliver them to a local SMTP server ({result['task_workers']} task workers) | "
        f"{result['rate']:,.0f}/s ({result['delivered']:,} in {result['delivery_seconds']:.0f} s)"
        f" | ≥ {TARGET_RATE:.0f}/s | {'met' if rate_met else 'NOT met'} |",
    ]
    for name in ("statement page", "unsubscribe page"):
        before, during = result["latency_ms"]["before"][name], result["latency_ms"]["during"][name]
        lines.append(f"| {name} latency, before → during the delivery | median "
                     f"{before[0]:.1f} → {during[0]:.1f} ms, p95 {before[1]:.1f} → "
                     f"{during[1]:.1f} ms | holds | ({before[2]} and {during[2]} requests) |")
    machine = ", ".join(f"{key} {value}" for key, value in info.items())
    return "\n".join([
        "| figure | value | target | |", "| --- | --- | --- | --- |", *lines, "",
        f"Machine: {machine}. {result['task_rows']} task rows; rows left after the run: "
        f"{result['rows_left']}; failed probe requests: {result['probe_errors']}.", ""])


def bench_updates(quick: bool) -> None:
    """The entry of `make bench` (bench/run.py): its own server, SMTP server and data."""
    from bench.report import Result, record

    result = run(10_000 if quick else 100_000, None, False)
    record(Result(f"update mails queued ({result['recipients']:,} recipients)",
                  result["queue_seconds"], "s", target=f"< {TARGET_QUEUE_SECONDS:.0f} s",
                  met=result["queue_seconds"] < TARGET_QUEUE_SECONDS,
                  reference=f"{result['task_rows']} task rows"))
    before = result["latency_ms"]["before"]["statement page"]
    during = result["latency_ms"]["during"]["statement page"]
    record(Result("update mails delivered by the worker to a local SMTP server", result["rate"],
                  "/s", target=f"≥ {TARGET_RATE:.0f}/s", ratio=f"{result['rate'] / TARGET_RATE:.2f} ×",
                  met=result["rate"] >= TARGET_RATE,
                  reference=f"{result['delivered']:,} in {result['delivery_seconds']:.0f} s; "
                  f"statement page median {before[0]:.1f} → {during[0]:.1f} ms, p95 "
                  f"{before[1]:.1f} → {during[1]:.1f} ms meanwhile"))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("setup", "send", "waiting"):
        command, slug = sys.argv[1], sys.argv[2]
        result = {"setup": setup, "send": send, "waiting": waiting}[command](slug)
        print(json.dumps(result), flush=True)
        return
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--report", type=Path, default=None,
                        help="write the figures as a Markdown table here")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    run(args.recipients, args.report, args.keep)


if __name__ == "__main__":
    main()
