"""The share image drawn on its first request (issue 16), in process (djtools.py sharecard)."""

from __future__ import annotations

from bench.harness import Plan, run_json, say
from bench.report import Result, record

# The image is drawn once per statement, language and visible step of the count, in an app
# thread, while the page itself never waits for it; a crawler fetching it waits this long once.
SHARECARD_TARGET_MS = 500


def bench_sharecard(env: dict[str, str], plan: Plan) -> None:
    count = max(plan.renders // 3, 5)
    say(f"share image: {count} draws each of a Latin, an Arabic and a Quechua title")
    result = run_json(["bench/djtools.py", "sharecard", str(count)], env, 600)
    median = result["median_ms"]
    per_language = ", ".join(f"{language} {ms:.0f} ms"
                             for language, ms in result["per_language_ms"].items())
    record(Result("share image drawn (1200 × 630 PNG), first request for it", median,
                  "ms per image (median)",
                  reference=f"p90 {result['p90_ms']:.0f} ms over {result['n']} images; "
                  f"{per_language}; largest {result['largest_bytes'] / 1024:.0f} KB",
                  target=f"≤ {SHARECARD_TARGET_MS} ms, ≤ 150 KB",
                  ratio=f"{median / SHARECARD_TARGET_MS:.2f} × budget",
                  met=median <= SHARECARD_TARGET_MS
                  and result["largest_bytes"] <= 150 * 1024))
