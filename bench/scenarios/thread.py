"""A comment under a short and under a long discussion, in process (djtools.py comment-rate)."""

from __future__ import annotations

import statistics

from bench.harness import Plan, run_json, say
from bench.report import Result, record
from bench.scenarios.checks import verify_rendered

# The thread benchmark's discussions: a comment must cost the same under either.
THREAD_SIZES = (10, 2000)
THREAD_SIGNATURES = 1000


def bench_thread(env: dict[str, str], plan: Plan, label: str) -> None:
    """A comment costs the same however long the discussion under it (issue 15): comment POSTs
    in process (``djtools.py comment-rate``) under 10 and under 2,000 published comments,
    batch by batch in turns. The figures are the rates; the target is on what a post costs,
    because a wall-clock rate on a shared machine moves with everyone else's work (bench/
    notes.md, round 8): the same queries reading as much (SQLite's virtual-machine steps,
    PostgreSQL's pages), which a scan or a count over the thread would change at once, and
    this process's CPU time per post under 2,000 at most 1.2 × that under 10 (the median of
    the rounds' ratios)."""
    slugs = [f"thread-{size}" for size in THREAD_SIZES]
    for size, slug in zip(THREAD_SIZES, slugs, strict=True):
        verify_rendered(env, slug, THREAD_SIGNATURES, size)
    say(f"comment POST in process under {' and '.join(f'{n:,}' for n in THREAD_SIZES)} "
        f"comments: {plan.thread_rounds} rounds of {plan.thread_posts} posts each, in turns")
    result = run_json(["bench/djtools.py", "comment-rate", str(plan.thread_posts),
                       str(plan.thread_rounds), *slugs], env, 1800)
    short, long = (result["statements"][slug] for slug in slugs)
    ratio = statistics.median(
        longer / shorter for shorter, longer in zip(short["cpu_ms"], long["cpu_ms"], strict=True))
    # Indexes a level deeper under 2,000 rows: a page more per lookup, nothing per row.
    same_work = short["queries"] == long["queries"] and (
        long["read"] <= short["read"] * 1.05 + (0 if result["vendor"] == "sqlite" else 3))
    for size, stats in zip(THREAD_SIZES, (short, long), strict=True):
        work = f"{stats['queries']} queries, {stats['read']:,} {result['read_unit']}"
        first = size == THREAD_SIZES[0]
        record(Result(
            f"comment POST in process ({label}), {size:,} comments on the statement",
            statistics.median(stats["rates"]), "/s",
            reference=f"median of {len(stats['rates'])} batches of {result['posts']} posts "
            f"(a third replies), CPU {statistics.median(stats['cpu_ms']):.2f} ms per post; "
            f"one reply: {work}",
            target="" if first else f"same work, CPU per post ≤ 1.2 × under {THREAD_SIZES[0]}",
            ratio="" if first else f"{ratio:.2f} × CPU per post",
            met=None if first else ratio <= 1.2 and same_work,
            runs=stats["rates"]))
