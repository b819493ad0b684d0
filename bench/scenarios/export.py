"""The editors' CSV export of a million signatures: time and peak memory."""

from __future__ import annotations

import subprocess

from bench.harness import run_json, say
from bench.report import Result, record
from bench.scenarios.checks import verify_rendered


def bench_export(env: dict[str, str], slug: str, signatures: int) -> None:
    verify_rendered(env, slug, signatures, 0)
    say(f"CSV export of {signatures:,} signatures")
    try:
        result = run_json(["bench/djtools.py", "export", slug], env, 900)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        record(Result(f"CSV export of {signatures:,} signatures", None, "s", note=str(error)[:300]))
        return
    record(Result(f"CSV export of {signatures:,} signatures (with emails)", result["seconds"], "s",
                  reference=f"{result['bytes'] / 1e6:,.0f} MB, {result['rows']:,} rows",
                  target="≤ 15 s", ratio=f"{result['seconds'] / 15:.2f} × budget",
                  met=result["seconds"] <= 15))
    record(Result("CSV export peak RSS", result["peak_rss_mb"], "MB",
                  reference=f"{result['baseline_rss_mb']:.0f} MB before the export",
                  target="≤ 200 MB, flat", met=result["peak_rss_mb"] <= 200))
