"""The viral day: readers take what they can while sign-ons and comments arrive at their own pace.

On the `make run` setup (the app the pages scenario reads: `undersigned serve` on 127.0.0.1),
for `plan.viral_seconds`: wrk reads the statement page as fast as it is answered (as in the
pages scenario: 2 threads, `plan.connections` connections), while a paced client
(bench/paced.py: one event loop, beside wrk's own process) posts sign-ons at 300 a
second and comments at 50 a second, each due at its own time and timed from then (in a process
of its own: this one also runs the SMTP server that takes the confirmation mails). Every post
is a valid form as a browser on the site sends it (the form token from the page, posted after
the minimum fill time, same-origin headers), with its own email, tagged so that the rows can be
counted afterwards, and its own `X-Forwarded-For` address; the comments' text varies as
people's does (bench/text.py). The app is `bench.wsgi_bench:rsgi_application` (harness.App),
whose rate limits count but never refuse: 300 sign-ons a second is 18,000 a minute, over the
statement's cap of a normal viral day (SIGN_STATEMENT_PER_MINUTE); a 429 would show as an error.

The readers' figure is a ratio to nginx serving the same page's bytes from a file, measured
with the same wrk settings just before and just after the mixed run (the mean of the two).
"""

from __future__ import annotations

import re
import statistics
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from bench import paced, text
from bench.harness import App, Nginx, Plan, find_form, run_json, say, wrk
from bench.report import Result, record
from bench.scenarios.checks import verify_served
from bench.scenarios.posting import sign_on_body

SIGN_ONS_PER_SECOND = 300
COMMENTS_PER_SECOND = 50
TAG = "vd"  # the posts' emails end in "-vd@bench.example.org" (djtools.py count vd)
LATENCY_BUDGET_MS = 100
READERS_TARGET = 0.2  # × nginx static
# The paced client gives up on an answer after this long (as wrk's --timeout 10s): an error.
CLIENT_TIMEOUT = 10.0


def _address(first: int, number: int) -> str:
    """A distinct client address per post (the app trusts X-Forwarded-For in the benchmark, as
    behind nginx): 10.<first…>.<…>.<…>, 62,500 addresses per value of the second octet."""
    return f"10.{first + number // 62_500}.{number // 250 % 250}.{number % 250 + 1}"


def _requests(app: App, action: str, fields: str, letter: str, first_octet: int, count: int,
              body: Callable[[int], str] | None = None) -> list[bytes]:
    """``count`` POSTs of a form, built before the run so that the client spends its time
    sending: ``fields`` urlencoded without the email (and without the comment's text, which
    ``body`` gives per post)."""
    host = f"127.0.0.1:{app.port}"
    made = []
    for number in range(count):
        extra = {"email": f"{letter}{number}-{TAG}@bench.example.org"}
        if body is not None:
            extra["body"] = body(number)
        made.append(paced.form_post(
            host, action, f"{fields}&{urllib.parse.urlencode(extra)}",
            {"Origin": app.url, "Sec-Fetch-Site": "same-origin",
             "X-Forwarded-For": _address(first_octet, number)}))
    return made


def _comment_form(page: bytes) -> tuple[str, str] | None:
    """The statement page's comment form: its action and its fields, urlencoded (without the
    email and the text), as bench/scenarios/comments.py fills it."""
    form = find_form(page, "/comments/")
    if form is None:
        return None
    fields = {k: v for k, v in form["fields"].items()
              if v is not None and k not in ("email", "body")}
    fields["name"] = "Viral Day Commenter"
    if not fields.get("parent"):
        fields.pop("parent", None)  # a top-level comment
    return form["action"], urllib.parse.urlencode(fields)


def _kinds(result: paced.PacedResult) -> str:
    return "".join(f", {count} {kind}" for kind, count in sorted(result.error_kinds.items()))


def _wrk_errors(result: dict[str, Any]) -> tuple[int, int]:
    """wrk's non-2xx/3xx answers and its socket errors (connect, read, write, timeout)."""
    return result["non2xx"], sum(int(n) for n in re.findall(r"\d+", result["socket_errors"]))


def _paced_errors(result: paced.PacedResult) -> tuple[int, int]:
    """The paced client's non-2xx/3xx answers and its connection errors."""
    return (sum(n for status, n in result.statuses.items() if not 200 <= status < 400),
            result.errors)


def _committed(env: dict[str, str], sign_ons: int, comments: int) -> dict[str, int]:
    """The tagged rows in the database. Sign-ons reach the signatures table in batches (the
    intake: within a second, by the next sign-on or the scheduler), and a post the client
    stopped waiting for may still be in the app's hands: the count is repeated until two
    counts two seconds apart agree (after reaching what was accepted, or 30 s at most)."""
    counted: dict[str, int] = {}
    deadline = time.monotonic() + 30
    while True:
        last = counted
        counted = run_json(["bench/djtools.py", "count", TAG], env, 120)
        reached = (counted.get("signatures", 0) >= sign_ons
                   and counted.get("comments", 0) >= comments)
        if (reached and counted == last) or time.monotonic() > deadline:
            return counted
        time.sleep(2)


def bench_viral(app: App, nginx: Nginx, env: dict[str, str], slug: str, plan: Plan) -> None:
    seconds = plan.viral_seconds
    path = f"/en/s/{slug}/"
    # Comments "any": the comments scenario may have added to the discussion before.
    page, facts = verify_served(app, env, slug, plan.viral_signatures, None)
    # The reference: nginx serving the bytes the app serves now, from a file of its own.
    (nginx.workdir / "reference" / "viral-day.html").write_bytes(page)
    reference_url = f"http://127.0.0.1:{nginx.static_port}/viral-day.html"
    form_body = sign_on_body(app, slug, "Viral Day Signer")
    comment_form = _comment_form(page)
    if form_body is None or comment_form is None:
        record(Result("viral day", None, "", note="no sign-on or comment form on the statement "
                      "page"))
        return
    forms_read = time.monotonic()
    sign_form, sign_fields = form_body
    sign_ons = _requests(app, sign_form["action"], sign_fields, "s", 20,
                         SIGN_ONS_PER_SECOND * seconds)
    comments = _requests(app, comment_form[0], comment_form[1], "c", 40,
                         COMMENTS_PER_SECOND * seconds,
                         body=lambda number: text.comment_body(number, seed=2026))

    say(f"viral day: nginx static before, {plan.page_seconds} s")
    wrk(app.url + path, 2, plan.connections)  # warm, as the pages scenario does
    before = wrk(reference_url, plan.page_seconds, plan.connections)
    # The form token refuses posts faster than a person fills the form.
    time.sleep(max(0.0, forms_read + 4 - time.monotonic()))
    say(f"viral day: readers (wrk -t2 -c{plan.connections}) with {SIGN_ONS_PER_SECOND} "
        f"sign-ons/s and {COMMENTS_PER_SECOND} comments/s (paced), {seconds} s")
    readers: dict[str, Any] = {}
    reading = threading.Thread(
        target=lambda: readers.update(wrk(app.url + path, seconds, plan.connections)))
    reading.start()
    signed, commented = paced.run_apart(
        (app.url, SIGN_ONS_PER_SECOND, seconds, sign_ons.__getitem__),
        (app.url, COMMENTS_PER_SECOND, seconds, comments.__getitem__), timeout=CLIENT_TIMEOUT)
    reading.join()
    say(f"viral day: nginx static after, {plan.page_seconds} s")
    after = wrk(reference_url, plan.page_seconds, plan.connections)
    accepted_sign_ons = signed.statuses.get(303, 0)
    accepted_comments = commented.statuses.get(303, 0)
    counted = _committed(env, accepted_sign_ons, accepted_comments)

    static = statistics.mean([before["rps"], after["rps"]])
    ratio = readers["rps"] / static if static else 0.0
    name = (f"viral day ({seconds} s): GET statement page while {SIGN_ONS_PER_SECOND} "
            f"sign-ons/s and {COMMENTS_PER_SECOND} comments/s arrive")
    record(Result(name, readers["rps"], "req/s",
                  reference=f"nginx static file: {static:,.0f} req/s (mean of {before['rps']:,.0f} "
                  f"before and {after['rps']:,.0f} after, {plan.page_seconds} s each)",
                  target=f"≥ {READERS_TARGET} × nginx static", ratio=f"{ratio:.2f} ×",
                  met=ratio >= READERS_TARGET, note=f"page before: {facts.describe()}"))
    for label, rate, result in (("sign-on", SIGN_ONS_PER_SECOND, signed),
                                ("comment", COMMENTS_PER_SECOND, commented)):
        p99 = result.percentile(0.99) * 1000
        record(Result(f"viral day: {label} POST answered at {rate}/s, p99", p99, "ms",
                      reference=f"p50 {result.percentile(0.5) * 1000:,.1f} ms, over the "
                      f"{len(result.latencies):,} answered of {result.sent:,} sent (answers "
                      f"{result.statuses}; {result.errors:,} failed or unanswered within "
                      f"{CLIENT_TIMEOUT:.0f} s{_kinds(result)}); client late on {result.late_sends:,} sends "
                      "(> 10 ms after due)",
                      target=f"≤ {LATENCY_BUDGET_MS} ms",
                      ratio=f"{p99 / LATENCY_BUDGET_MS:.2f} × budget",
                      met=p99 <= LATENCY_BUDGET_MS))
    bad = {"sign-ons": _paced_errors(signed), "comments": _paced_errors(commented),
           "readers (wrk)": _wrk_errors(readers)}
    total = sum(answers + connection for answers, connection in bad.values())
    record(Result("viral day: errors (non-2xx/3xx answers, connection errors)", float(total),
                  "errors",
                  reference="; ".join(f"{who}: {answers:,} non-2xx/3xx, {connection:,} "
                                      "connection errors" for who, (answers, connection) in bad.items())
                  + f" (wrk: {readers['requests']:,} requests, socket errors: "
                  f"{readers['socket_errors'] or 'none'})",
                  target="0", met=total == 0))
    unanswered = signed.errors + commented.errors
    stored_sign_ons = counted.get("signatures", 0)
    stored_comments = counted.get("comments", 0)
    record(Result("viral day: accepted posts committed", float(stored_sign_ons + stored_comments),
                  "rows",
                  reference=f"sign-ons: {accepted_sign_ons:,} accepted (303), {stored_sign_ons:,} "
                  f"rows; comments: {accepted_comments:,} accepted (303), {stored_comments:,} rows"
                  + ("" if unanswered == 0 else f"; {unanswered:,} posts went unanswered "
                     f"within {CLIENT_TIMEOUT:.0f} s, which the app may still have committed"),
                  target="rows = accepted",
                  met=(stored_sign_ons, stored_comments) == (accepted_sign_ons, accepted_comments)))
