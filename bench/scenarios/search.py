"""Signatory search at a million signatures, and a sign-on answered while 100 connections
search."""

from __future__ import annotations

import http.client
import json
import random
import statistics
import subprocess
import sys
import time
import urllib.parse

from bench import search_load
from bench.harness import BENCH, ROOT, App, Plan, say
from bench.report import Result, record
from bench.scenarios.checks import verify_served
from bench.scenarios.posting import sign_on_body


def sign_once(app: App, action: str, body: str, number: int) -> tuple[int, float]:
    """One sign-on POST as a browser on the site sends it: status and seconds to the answer."""
    parts = urllib.parse.urlsplit(app.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    started = time.perf_counter()
    try:
        connection.request("POST", action, body + f"&email=s{number}-search@bench.example.org",
                           {"Content-Type": "application/x-www-form-urlencoded",
                            "Origin": app.url, "Sec-Fetch-Site": "same-origin",
                            "X-Forwarded-For": f"10.8.{number // 250}.{number % 250 + 1}"})
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        connection.close()


def bench_search(app: App, env: dict[str, str], slug: str, signatures: int, plan: Plan) -> None:
    """Signatory search (never cached) at a million signatures: one visitor's latency, then a
    sign-on answered while 100 connections search without pause."""
    verify_served(app, env, slug, signatures, 0)
    parts = urllib.parse.urlsplit(app.url)
    rng = random.Random(7)
    say(f"signatory search at {signatures:,} signatures, one connection")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    times, statuses = [], {}
    for number in range(60 if plan.quick else 400):
        path = search_load.search_path(slug, rng)
        started = time.perf_counter()
        connection.request("GET", path, headers={"X-Forwarded-For": "10.7.0.1"})
        response = connection.getresponse()
        response.read()
        if number >= 10:  # the first warm the connection, templates and the database's pages
            times.append((time.perf_counter() - started) * 1000)
        statuses[response.status] = statuses.get(response.status, 0) + 1
    connection.close()
    times.sort()
    median = statistics.median(times)
    record(Result(f"signatory search, {signatures:,} signatures (uncached GET, whole stack)",
                  median, "ms (median)",
                  reference=f"p90 {times[int(len(times) * 0.9)]:.1f} ms, {len(times)} searches "
                  f"for random name prefixes, answers {statuses}", target="≤ 20 ms",
                  ratio=f"{median / 20:.2f} × budget", met=median <= 20))

    form_body = sign_on_body(app, slug, "Search Bench Signer")
    if form_body is None:
        record(Result("sign-on POST during 100 concurrent searches", None, "s",
                      note="no sign-on form on the statement page"))
        return
    form, body = form_body
    time.sleep(4)  # the form token refuses posts faster than a person fills the form
    seconds = 10 if plan.quick else 30
    say(f"sign-on POSTs while 100 connections search, {seconds} s")
    load = subprocess.Popen([sys.executable, str(BENCH / "search_load.py"), app.url, slug, "100",
                             str(seconds)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    time.sleep(2)  # let the 100 connections open and keep the app busy
    answers, waits = {}, []
    number = 0
    while load.poll() is None and number < seconds * 2:
        code, waited = sign_once(app, form["action"], body, number)
        answers[code] = answers.get(code, 0) + 1
        waits.append(waited)
        number += 1
        time.sleep(0.5)
    out, _ = load.communicate(timeout=seconds + 120)
    searches = json.loads(out.strip().splitlines()[-1])
    worst = max(waits) if waits else None
    record(Result("sign-on POST answered while 100 connections search", worst, "s (slowest)",
                  reference=f"{len(waits)} sign-ons, median {statistics.median(waits):.3f} s, "
                  f"answers {answers}; searches meanwhile: {searches['requests']:,} "
                  f"(median {searches['median_ms']:.0f} ms, p90 {searches['p90_ms']:.0f} ms), "
                  f"answers {searches['statuses']}",
                  target="≤ 1 s", ratio=f"{worst / 1:.2f} × budget" if worst else "",
                  met=worst is not None and worst <= 1 and set(answers) == {303}))
