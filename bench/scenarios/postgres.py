"""Sign-on POSTs on PostgreSQL: its own data directory and database, its own app on the same
port (bench/scenarios/posts.py measures)."""

from __future__ import annotations

from pathlib import Path

from bench.harness import App, Plan, prepare
from bench.report import checked
from bench.scenarios.posts import bench_posts


def bench_postgres(pg_env: dict[str, str], port: int, workdir: Path, plan: Plan) -> None:
    prepare(pg_env, [("viral", 1000, 0)])
    app = App(pg_env, port, workdir / "serve-pg.log")
    try:
        app.start()
        checked("postgres", lambda: bench_posts(app, pg_env, "viral", plan,
                                                "PostgreSQL", "pg", 1000, 0))
    finally:
        app.stop()
