"""Sign-on POSTs with wrk (bench/post.lua), rows committed counted afterwards; on SQLite, and
on PostgreSQL through bench/scenarios/postgres.py."""

from __future__ import annotations

import time

from bench.harness import App, Plan, RssSampler
from bench.report import Result, record
from bench.scenarios.checks import verify_served
from bench.scenarios.posting import median_run, post_runs, sign_on_body


def bench_posts(app: App, env: dict[str, str], slug: str, plan: Plan, label: str,
                tag: str, signatures: int, comments: int | None) -> None:
    verify_served(app, env, slug, signatures, comments)
    form_body = sign_on_body(app, slug, "Bench Signer")
    if form_body is None:
        record(Result(f"sign-on POST accepted, {label}", None, "/s",
                      note="no sign-on form on the statement page"))
        return
    form, body = form_body
    time.sleep(4)  # the form token refuses posts faster than a person fills the form
    with RssSampler(app) as rss:
        runs = post_runs(app, env, plan, plan.post_seconds, form["action"], body, tag,
                         f"sign-on POST, {label}", "signatures")
    rate, run = median_run(runs)
    record(Result(f"sign-on POST accepted, {label}", rate, "/s",
                  reference=f"median of {len(runs)} runs; that run: {run.stored:,} rows committed "
                  f"in {plan.post_seconds} s, answers {run.statuses}, wrk {run.wrk_rps:,.0f} req/s",
                  target="≥ 1,000/s sustained", ratio=f"{rate / 1000:.2f} ×", met=rate >= 1000,
                  runs=[r.rate for r in runs]))
    for role, mb in sorted(rss.peaks.items()):
        record(Result(f"peak RSS under sign-on load ({label}), {role}", mb, "MB",
                      target="≤ 150 MB per process", met=mb <= 150))
