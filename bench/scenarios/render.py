"""The statement page rendered without the page cache, whole Django stack in process."""

from __future__ import annotations

import statistics

from bench.harness import Plan, run_json, say
from bench.report import Result, record
from bench.scenarios.checks import verify_rendered


def bench_render(env: dict[str, str], slug: str, signatures: int, comments: int,
                 plan: Plan) -> None:
    facts = verify_rendered(env, slug, signatures, comments)
    say(f"uncached render at {signatures:,} signatures")
    runs = [run_json(["bench/djtools.py", "render", slug, str(plan.renders)], env, 600)
            for _ in range(3 if not plan.quick else 1)]
    median = statistics.median(r["median_ms"] for r in runs)
    discussion = f", {comments:,} comments" if comments else ""
    record(Result(f"statement page rendered without cache, {signatures:,} signatures"
                  f"{discussion}", median, "ms (median)",
                  reference=f"p90 {runs[0]['p90_ms']:.1f} ms, "
                  f"{runs[0]['n']} renders × {len(runs)} runs, status {runs[0]['status']}",
                  target="≤ 30 ms", ratio=f"{median / 30:.2f} × budget", met=median <= 30,
                  runs=[r["median_ms"] for r in runs], note=f"page: {facts}"))
