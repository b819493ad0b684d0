"""What the statement page weighs: HTML and CSS gzipped, and the JavaScript it needs."""

from __future__ import annotations

import gzip
import re

from bench.harness import App, Plan, http_get
from bench.report import Result, record
from bench.scenarios.checks import verify_page


def bench_weight(app: App, env: dict[str, str], slug: str, plan: Plan) -> None:
    _, headers, body = http_get(f"{app.url}/en/s/{slug}/", {"Accept-Encoding": "gzip"})
    html_gz = len(body) if headers.get("content-encoding") == "gzip" else len(gzip.compress(body, 6))
    plain = gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body
    facts = verify_page(plain, env, slug, plan.viral_signatures, plan.comments)
    text = plain.decode()
    record(Result("statement page HTML, gzip", html_gz / 1024, "KB",
                  reference=f"{len(plain) / 1024:.1f} KB uncompressed", target="≤ 30 KB",
                  met=html_gz <= 30 * 1024, note=f"page: {facts.describe()}"))
    css_total = 0
    for href in re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', text):
        _, _, css = http_get(app.url + href)
        css_total += len(gzip.compress(css, 9))
    record(Result("statement page CSS, gzip", css_total / 1024, "KB", target="≤ 10 KB",
                  met=css_total <= 10 * 1024))
    scripts = re.findall(r"<script\b[^>]*>", text)
    record(Result("JavaScript needed by the statement page", float(len(scripts)), "script tags",
                  note="0 bytes of JavaScript needed" if not scripts else
                  "scripts present (progressive enhancement?)", target="0 bytes needed",
                  met=not scripts))
