"""GET the statement page (100k signatures, 200 comments): `undersigned serve` as `make run`
starts it, and behind the shipped deploy/ nginx, each against nginx serving the same bytes from a
file; peak memory meanwhile."""

from __future__ import annotations

import statistics

from bench.harness import App, Nginx, Plan, RssSampler, paired, say
from bench.report import Result, record
from bench.scenarios.checks import verify_page, verify_served


def bench_pages(app: App, nginx: Nginx, env: dict[str, str], slug: str, plan: Plan) -> None:
    path = f"/en/s/{slug}/"
    _, facts = verify_served(app, env, slug, plan.viral_signatures, plan.comments)
    verify_page((nginx.workdir / "reference" / "page.html").read_bytes(), env, slug,
                plan.viral_signatures, plan.comments)
    reference_url = f"http://127.0.0.1:{nginx.static_port}/page.html"
    say("GET statement page: granian (make run setup) vs nginx static")
    with RssSampler(app) as rss:
        subject, reference = paired(app.url + path, reference_url, plan)
        ratio = statistics.median(subject) / statistics.median(reference)
        record(Result(f"GET statement page ({plan.viral_signatures // 1000:,}k signatures, "
                      f"{plan.comments} comments), `make run` setup",
                      statistics.median(subject), "req/s",
                      reference=f"nginx static file: {statistics.median(reference):,.0f} req/s",
                      target="≥ 0.25 × nginx static", ratio=f"{ratio:.2f} ×",
                      met=ratio >= 0.25, runs=subject, note=f"page: {facts.describe()}"))
        say("GET statement page: shipped nginx config vs nginx static")
        subject, reference = paired(f"http://127.0.0.1:{nginx.proxy_port}{path}",
                                    reference_url, plan)
        ratio = statistics.median(subject) / statistics.median(reference)
        record(Result("GET statement page behind deploy/ nginx (page files)",
                      statistics.median(subject), "req/s",
                      reference=f"nginx static file: {statistics.median(reference):,.0f} req/s",
                      target="≥ 0.8 × nginx static", ratio=f"{ratio:.2f} ×", met=ratio >= 0.8,
                      runs=subject))
    for role, mb in sorted(rss.peaks.items()):
        record(Result(f"peak RSS under page load, {role}", mb, "MB",
                      target="≤ 150 MB per process", met=mb <= 150))
