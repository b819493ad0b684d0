"""Signed webhooks at scale (issue 18): 10,000 events delivered to a local receiver while
sign-ons continue.

Against a real `undersigned serve` (granian, its task workers) on 127.0.0.1:

* a receiver (http.server, HTTP/1.1 keep-alive, in this process) answers 200 to every POST
  and keeps each body and its headers; after the run every one is verified with the
  ``standardwebhooks`` library and the ``webhook-id``s are counted (each event exactly once,
  or repeats are reported);
* one endpoint is registered for every event; then, in one transaction, 10,000 visible
  signatures are announced as confirmed through the real signal and receivers (one outbox
  row each) — the queueing time is reported apart;
* meanwhile a paced client (bench/paced.py, in a process of its own) posts sign-ons through
  the form at ``SIGN_ONS_PER_SECOND``, their confirmation mails going to a local SMTP sink;
* the delivery rate is the events received per second, from the commit of the outbox rows to
  the last event received; the sign-ons' latency is reported beside it.

    .venv/bin/python bench/webhooks.py                      # 10,000 events
    .venv/bin/python bench/webhooks.py --events 2000 --report /tmp/webhooks.md
    .venv/bin/python bench/run.py --only webhooks           # the same, inside `make bench`

In-process subcommand (run with the data directory's environment, one line of JSON):
``queue SLUG URL COUNT``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")

SLUG = "webhooks"
EVENTS = 10_000
TARGET_RATE = 300.0
SIGN_ONS_PER_SECOND = 50
# Events per transaction while queueing: a confirmation is one event per transaction, and
# one transaction of 10,000 would hold SQLite's write lock (and the sign-ons) for seconds.
QUEUE_CHUNK = 200
CLIENT_TIMEOUT = 10.0


# --- in the data directory's environment ---------------------------------------------------

def queue(slug: str, url: str, count: int) -> dict[str, Any]:
    """Register the endpoint, then announce ``count`` signatures as confirmed, QUEUE_CHUNK per
    transaction (the worker is woken when the first commits)."""
    import django

    django.setup()
    from django.db import transaction

    from signatures.models import Signature
    from signatures.signals import signature_confirmed
    from webhooks import actions
    from webhooks.models import Event, WebhookEndpoint

    endpoint = actions.do_create_endpoint(WebhookEndpoint(
        name="benchmark receiver", url=url, events=[value for value, _ in Event.choices]),
        actor=None)
    signatures = list(Signature.objects.filter(statement__slug=slug, status="visible")
                      .only("id", "statement_id").order_by("id")[:count])
    started = time.perf_counter()
    first_commit = 0.0
    for first in range(0, len(signatures), QUEUE_CHUNK):
        with transaction.atomic():
            for signature in signatures[first:first + QUEUE_CHUNK]:
                signature_confirmed.send(sender=Signature, signature=signature)
        first_commit = first_commit or time.time()
    return {"queued": len(signatures), "seconds": time.perf_counter() - started,
            "committed": first_commit, "secret": endpoint.secret}


# --- the driver ----------------------------------------------------------------------------

class Receiver:
    """Answers 200 to every POST; keeps (arrival time, headers, body)."""

    def __init__(self) -> None:
        self.received: list[tuple[float, dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.received.append((time.time(), dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _sign_on_requests(app: Any, count: int) -> list[bytes]:
    import urllib.parse

    from bench import paced
    from bench.scenarios.posting import sign_on_body

    found = sign_on_body(app, SLUG, "Webhook Bench Signer")
    if found is None:
        raise RuntimeError(f"no sign-on form on /en/s/{SLUG}/")
    form, fields = found
    host = f"127.0.0.1:{app.port}"
    return [paced.form_post(
        host, form["action"],
        f"{fields}&{urllib.parse.urlencode({'email': f'w{n}-wh@bench.example.org'})}",
        {"Origin": app.url, "Sec-Fetch-Site": "same-origin",
         "X-Forwarded-For": f"10.{60 + n // 62_500}.{n // 250 % 250}.{n % 250 + 1}"})
        for n in range(count)]


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used (utime + stime from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def run(events: int, report: Path | None, keep: bool) -> dict[str, Any]:
    from standardwebhooks import Webhook

    from bench import paced
    from bench.harness import App, SmtpSink, environment, free_port, machine, prepare, run_json, say

    workdir = Path(tempfile.mkdtemp(prefix="undersigned-webhooks-"))
    smtp = SmtpSink()
    receiver = Receiver()
    port = free_port()
    env = environment(workdir / "data", smtp_port=smtp.port, port=port)
    app = App(env, port, workdir / "serve.log")
    info = machine(False)
    try:
        prepare(env, [(SLUG, events, 0)])
        app.start()
        workers = sum(1 for role in app.processes().values() if role == "task worker")
        seconds = max(20, int(events / TARGET_RATE) + 15)
        sign_ons = _sign_on_requests(app, SIGN_ONS_PER_SECOND * seconds)
        time.sleep(4.5)  # the form token refuses posts faster than a person fills the form
        say(f"webhooks: {SIGN_ONS_PER_SECOND} sign-ons/s (paced) for {seconds} s; "
            f"queueing {events:,} events")
        signing: dict[str, paced.PacedResult] = {}
        signer = threading.Thread(target=lambda: signing.update(result=paced.run_apart(
            (app.url, SIGN_ONS_PER_SECOND, seconds, sign_ons.__getitem__),
            timeout=CLIENT_TIMEOUT)[0]))
        signer.start()
        time.sleep(2)  # the sign-ons are flowing
        load_before = _load()
        task_workers = [pid for pid, role in app.processes().items() if role == "task worker"]
        cpu_before = _cpu_seconds(task_workers)
        queued = run_json([__file__, "queue", SLUG, receiver.url, str(events)], env, 600)
        say(f"queued {queued['queued']:,} events in {queued['seconds']:.2f} s")
        deadline = time.monotonic() + max(300.0, events / 20)
        last_count, last_change = receiver.count(), time.monotonic()
        while receiver.count() < queued["queued"] and time.monotonic() < deadline:
            time.sleep(0.5)
            now_count = receiver.count()
            if now_count != last_count:
                last_count, last_change = now_count, time.monotonic()
            elif time.monotonic() - last_change > 60:
                say("no event for a minute: stopping")
                break
        load_during = _load()
        worker_cpu = _cpu_seconds(task_workers) - cpu_before
        signer.join()
        with receiver.lock:
            received = list(receiver.received)
        ids = [headers.get("webhook-id") for _, headers, _ in received]
        distinct = len(set(ids))
        unverified = 0
        hook = Webhook(queued["secret"])
        for _, headers, body in received:
            try:
                hook.verify(body, headers)
            except Exception:
                unverified += 1
        last = max((at for at, _, _ in received), default=queued["committed"])
        elapsed = max(last - queued["committed"], 1e-6)
        rate = distinct / elapsed
        signed = signing.get("result") or paced.PacedResult()
        result = {"events": queued["queued"], "queue_seconds": queued["seconds"],
                  "received": len(received), "distinct": distinct, "unverified": unverified,
                  "delivery_seconds": elapsed, "rate": rate, "task_workers": workers,
                  "sign_ons_sent": signed.sent, "sign_on_statuses": signed.statuses,
                  "sign_on_p50_ms": signed.percentile(0.5) * 1000,
                  "sign_on_p99_ms": signed.percentile(0.99) * 1000,
                  "worker_cpu_ms_per_event": worker_cpu * 1000 / max(distinct, 1),
                  "load_before": load_before, "load_during": load_during, "machine": info}
        say(f"delivered {distinct:,} events ({len(received):,} requests, {unverified} failing "
            f"verification) in {elapsed:.1f} s: {rate:.0f}/s; sign-ons {signed.statuses}, "
            f"p50 {result['sign_on_p50_ms']:.0f} ms, p99 {result['sign_on_p99_ms']:.0f} ms; "
            f"task workers' CPU {result['worker_cpu_ms_per_event']:.2f} ms/event "
            f"(mail included); load {load_before} → {load_during}")
        if report is not None:
            report.write_text(markdown(result))
            say(f"wrote {report}")
        return result
    finally:
        app.stop()
        receiver.stop()
        smtp.stop()
        if keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def met(result: dict[str, Any]) -> bool:
    return (result["rate"] >= TARGET_RATE and result["distinct"] == result["events"]
            and result["unverified"] == 0)


def markdown(result: dict[str, Any]) -> str:
    """The figures as a section of docs/benchmarks.md."""
    machine = ", ".join(f"{key} {value}" for key, value in result["machine"].items())
    return "\n".join([
        "| figure | value | target | |", "| --- | --- | --- | --- |",
        f"| deliver {result['events']:,} webhook events to a local receiver "
        f"({result['task_workers']} task workers) while {SIGN_ONS_PER_SECOND} sign-ons/s "
        f"arrive | {result['rate']:,.0f}/s ({result['distinct']:,} in "
        f"{result['delivery_seconds']:.1f} s) | ≥ {TARGET_RATE:.0f}/s | "
        f"{'met' if met(result) else 'NOT met'} |",
        f"| queue them (one outbox row each, {QUEUE_CHUNK} events per transaction) | "
        f"{result['queue_seconds']:.2f} s | | |",
        f"| task workers' CPU per event (the sign-ons' mails included) | "
        f"{result['worker_cpu_ms_per_event']:.2f} ms | | a quiet core: "
        f"≈ {1000 / max(result['worker_cpu_ms_per_event'], 1e-6):,.0f}/s |",
        f"| sign-on POST meanwhile, p50 / p99 | {result['sign_on_p50_ms']:.0f} / "
        f"{result['sign_on_p99_ms']:.0f} ms | | answers {result['sign_on_statuses']} |",
        "",
        f"Requests received {result['received']:,}, distinct webhook-ids "
        f"{result['distinct']:,}, failing verification {result['unverified']}. Load average "
        f"(1/5/15 min) {result['load_before']} before, {result['load_during']} at the end. "
        f"Machine: {machine}.", ""])


def bench_webhooks(quick: bool) -> None:
    """The entry of `make bench` (bench/run.py): its own server, receiver and data."""
    from bench.report import Result, record

    result = run(EVENTS, None, False)
    record(Result(f"webhook events delivered to a local receiver ({result['events']:,}, "
                  f"{SIGN_ONS_PER_SECOND} sign-ons/s meanwhile)", result["rate"], "/s",
                  target=f"≥ {TARGET_RATE:.0f}/s", ratio=f"{result['rate'] / TARGET_RATE:.2f} ×",
                  met=met(result),
                  reference=f"{result['distinct']:,} distinct ids in "
                  f"{result['delivery_seconds']:.1f} s, {result['unverified']} unverified; "
                  f"{result['worker_cpu_ms_per_event']:.2f} ms worker CPU per event; "
                  f"sign-on p99 {result['sign_on_p99_ms']:.0f} ms; load "
                  f"{result['load_before']} → {result['load_during']}"))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "queue":
        print(json.dumps(queue(sys.argv[2], sys.argv[3], int(sys.argv[4]))), flush=True)
        return
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--report", type=Path, default=None,
                        help="write the figures as a Markdown table here")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    run(args.events, args.report, args.keep)


if __name__ == "__main__":
    main()
