"""`make bench`: every benchmark of the performance issue, each with a same-run reference.

From a fresh clone: installs wrk and nginx from Debian when missing, generates its data into a
throwaway data directory, serves the site with `undersigned serve` on 127.0.0.1 (behind the
shipped deploy/ nginx configuration for the proxy figures), measures, and writes
docs/benchmarks.md. Every server binds to 127.0.0.1 and every run is bounded in time. Before a
scenario times anything it checks that the page it measures holds what it claims (signatures
counted, comments drawn: bench/pagecheck.py); a scenario whose page does not is reported as
failed, and the run exits non-zero.

    make bench            the full run (well under 30 minutes)
    make bench QUICK=1    short durations and smaller data, for development
    .venv/bin/python bench/run.py --only thread --report /tmp/thread.md
                          one scenario (--help lists them), its report kept apart
    .venv/bin/python bench/run.py --only sharecard --report /tmp/sharecard.md
                          the share image's drawing time (no server, no data)

This file is the entry point: which scenarios run, in which order, on which data. The rest is
bench/harness.py (the processes, wrk, the plan, the run's environment and data), bench/report.py
(the results and docs/benchmarks.md) and bench/scenarios/ (one module per scenario).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_helper import SIGNATURES as API_SIGNATURES  # noqa: E402
from bench.api_helper import SLUG as API_SLUG  # noqa: E402
from bench.api_helper import bench_api_helper  # noqa: E402
from bench.dashboard import bench_dashboard  # noqa: E402
from bench.handover_pdf import bench_handover_pdf  # noqa: E402
from bench.harness import (  # noqa: E402
    POSTGRES_URL,
    App,
    Nginx,
    SmtpSink,
    ensure_tools,
    environment,
    free_port,
    http_get,
    machine,
    make_plan,
    postgres_ready,
    prepare,
    say,
)
from bench.report import DOCS, FAILED, Result, checked, record, write_report  # noqa: E402
from bench.scenarios.comments import bench_comments  # noqa: E402
from bench.scenarios.export import bench_export  # noqa: E402
from bench.scenarios.mail import bench_mail  # noqa: E402
from bench.scenarios.pages import bench_pages  # noqa: E402
from bench.scenarios.postgres import bench_postgres  # noqa: E402
from bench.scenarios.posts import bench_posts  # noqa: E402
from bench.scenarios.render import bench_render  # noqa: E402
from bench.scenarios.search import bench_search  # noqa: E402
from bench.scenarios.sharecard import bench_sharecard  # noqa: E402
from bench.scenarios.thread import THREAD_SIGNATURES, THREAD_SIZES, bench_thread  # noqa: E402
from bench.scenarios.viral import bench_viral  # noqa: E402
from bench.scenarios.weight import bench_weight  # noqa: E402
from bench.update_mail import bench_updates  # noqa: E402
from bench.webhooks import bench_webhooks  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", default=bool(os.environ.get("QUICK")))
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--report", type=Path, default=DOCS, help="where to write the report")
    parser.add_argument("--only", default="", help="comma list: pages,render,posts,comments,"
                        "thread,mail,export,weight,search,postgres,viral,sharecard,updates,"
                        "handover,dashboard,api,webhooks")
    args = parser.parse_args()
    plan = make_plan(args.quick)
    only = set(filter(None, args.only.split(",")))

    def wanted(name: str) -> bool:
        return not only or name in only

    started = time.monotonic()
    if any(wanted(name) for name in ("pages", "weight", "posts", "comments", "viral", "api")):
        # wrk, nginx
        ensure_tools()
    workdir = Path(tempfile.mkdtemp(prefix="undersigned-bench-"))
    data_dir = workdir / "data"
    say(f"working in {workdir}")
    smtp = SmtpSink()
    port = free_port()
    env = environment(data_dir, smtp_port=smtp.port, port=port)
    app = App(env, port, workdir / "serve.log")
    nginx: Nginx | None = None
    # "thread" runs on PostgreSQL too when it is reachable (its reply lookup was the slow one).
    use_postgres = (wanted("postgres") or wanted("thread")) and postgres_ready(POSTGRES_URL)
    info = machine(use_postgres)
    try:
        # Each statement is generated only when a wanted scenario reads it.
        data = [(slug, signatures, comments) for readers, (slug, signatures, comments) in (
            ({"pages", "weight", "render", "mail", "comments", "posts", "viral"},
             ("viral", plan.viral_signatures, plan.comments)),
            ({"render", "search", "export"}, ("million", plan.million_signatures, 0)),
            ({"api"}, (API_SLUG, API_SIGNATURES, 0)),
            *(({"thread"}, (f"thread-{size}", THREAD_SIGNATURES, size))
              for size in THREAD_SIZES),
        ) if any(wanted(name) for name in readers)]
        prepare(env, data)
        app.start()
        if wanted("pages") or wanted("weight") or wanted("viral"):
            _, _, page = http_get(f"{app.url}/en/s/viral/")
            nginx = Nginx(workdir / "nginx", data_dir, port, page)
            nginx.start()
        if wanted("pages"):
            checked("pages", lambda: bench_pages(app, nginx, env, "viral", plan))
        if wanted("weight"):
            checked("weight", lambda: bench_weight(app, env, "viral", plan))
        if wanted("render"):
            checked("render", lambda: bench_render(env, "million", plan.million_signatures, 0,
                                                   plan))
            checked("render", lambda: bench_render(env, "viral", plan.viral_signatures,
                                                   plan.comments, plan))
        # Mail and comments before the sign-on runs: each of those leaves ≈ 100,000
        # confirmation mails queued, which the mail figure would wait for and the comment
        # posts would share the CPU with.
        if wanted("search"):
            checked("search", lambda: bench_search(app, env, "million",
                                                   plan.million_signatures, plan))
        if wanted("mail"):  # no page: it counts the mails it queued as they arrive
            bench_mail(app, env, smtp, plan)
        if wanted("comments"):
            checked("comments", lambda: bench_comments(app, env, "viral", plan, "cm"))
        if wanted("thread"):
            checked("thread", lambda: bench_thread(env, plan, "SQLite"))
        if wanted("viral"):  # after the comment runs; its sign-ons' mails wait at nice 19
            checked("viral", lambda: bench_viral(app, nginx, env, "viral", plan))
        if wanted("posts"):  # after the comment runs, which added to the discussion
            checked("posts", lambda: bench_posts(app, env, "viral", plan, "SQLite", "sq",
                                                 plan.viral_signatures, None))
        if wanted("api"):  # the API's sign-on helper (issue 18), after the form's posts
            checked("api", lambda: bench_api_helper(app, env, plan))
        app.stop()
        if wanted("updates"):  # its own server, SMTP server and 100,000 signers (issue 17)
            bench_updates(plan.quick)
        if wanted("webhooks"):  # its own server, receiver and signatures (issue 18)
            bench_webhooks(plan.quick)
        if wanted("sharecard"):  # in process: no server, no data
            checked("sharecard", lambda: bench_sharecard(env, plan))
        if wanted("dashboard"):  # in process: the editors' dashboard and the tallies' cost
            checked("dashboard", lambda: bench_dashboard(env, plan))
        if wanted("export"):
            checked("export", lambda: bench_export(env, "million", plan.million_signatures))
        if wanted("handover"):  # in process, its own statements (bench/handover_pdf.py)
            checked("handover", lambda: bench_handover_pdf(env))
        if use_postgres:
            pg_env = environment(workdir / "data-pg", POSTGRES_URL, smtp.port, port)
            if wanted("postgres"):
                bench_postgres(pg_env, port, workdir, plan)
            if wanted("thread"):  # in process: no server
                prepare(pg_env, [(f"thread-{size}", THREAD_SIGNATURES, size)
                                 for size in THREAD_SIZES])
                checked("thread (PostgreSQL)", lambda: bench_thread(pg_env, plan, "PostgreSQL"))
        elif wanted("postgres"):
            record(Result("sign-on POST accepted, PostgreSQL", None, "/s",
                          note=f"PostgreSQL at {POSTGRES_URL} not reachable"))
    finally:
        app.stop()
        if nginx is not None:
            nginx.stop()
        smtp.stop()
        write_report(plan, info, started, args.report)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            say(f"kept {workdir}")
    if FAILED:
        raise SystemExit(f"page checks failed in: {', '.join(FAILED)} (see the report)")


if __name__ == "__main__":
    main()
