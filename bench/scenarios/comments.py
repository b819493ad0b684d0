"""Comment POSTs with wrk (bench/post.lua), rows committed counted afterwards."""

from __future__ import annotations

import time
import urllib.parse

from bench.harness import App, Plan, find_form
from bench.report import Result, record
from bench.scenarios.checks import verify_served
from bench.scenarios.posting import median_run, post_runs


def bench_comments(app: App, env: dict[str, str], slug: str, plan: Plan, tag: str) -> None:
    page, _ = verify_served(app, env, slug, plan.viral_signatures, plan.comments)
    form = find_form(page, "/comments/")
    if form is None:
        record(Result("comment POST accepted", None, "/s",
                      note="no comment form on the statement page yet"))
        return
    fields = {k: v for k, v in form["fields"].items() if v is not None and k != "email"}
    fields.update({"name": "Bench Commenter", "body": "Solidarity from the benchmark."})
    if not fields.get("parent"):
        fields.pop("parent", None)  # a top-level comment
    time.sleep(4)
    runs = post_runs(app, env, plan, plan.comment_seconds, form["action"],
                     urllib.parse.urlencode(fields), tag, "comment POST", "comments")
    rate, run = median_run(runs)
    record(Result("comment POST accepted", rate, "/s",
                  reference=f"median of {len(runs)} runs; that run: {run.stored:,} comments "
                  f"committed in {plan.comment_seconds} s, answers {run.statuses}",
                  target="≥ 500/s", ratio=f"{rate / 500:.2f} ×", met=rate >= 500,
                  runs=[r.rate for r in runs]))
