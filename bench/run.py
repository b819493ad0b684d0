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
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import gzip
import html.parser
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import pagecheck, search_load  # noqa: E402

BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
UNDERSIGNED = VENV_BIN / "undersigned"
DOCS = ROOT / "docs" / "benchmarks.md"
NOTES = BENCH / "notes.md"
POSTGRES_URL = os.environ.get("UNDERSIGNED_BENCH_POSTGRES",
                              "postgres://postgres@127.0.0.1:5432/undersigned_bench")


@dataclass(frozen=True)
class Plan:
    quick: bool
    page_seconds: int
    page_runs: int
    post_seconds: int
    comment_seconds: int
    post_runs: int
    drain_seconds: int
    connections: int
    viral_signatures: int
    million_signatures: int
    comments: int
    renders: int
    thread_posts: int  # comment POSTs per batch of the in-process thread benchmark
    thread_rounds: int


# The thread benchmark's discussions: a comment must cost the same under either.
THREAD_SIZES = (10, 2000)
THREAD_SIGNATURES = 1000


def make_plan(quick: bool) -> Plan:
    if quick:
        return Plan(True, page_seconds=4, page_runs=2, post_seconds=8, comment_seconds=6, post_runs=1,
                    drain_seconds=15, connections=32, viral_signatures=100_000,
                    million_signatures=100_000, comments=200, renders=15, thread_posts=300,
                    thread_rounds=3)
    return Plan(False, page_seconds=10, page_runs=3, post_seconds=60, comment_seconds=30, post_runs=3,
                drain_seconds=90, connections=64, viral_signatures=100_000,
                million_signatures=1_000_000, comments=200, renders=60, thread_posts=1000,
                thread_rounds=5)


@dataclass
class Result:
    name: str
    value: float | None
    unit: str
    reference: str = ""
    target: str = ""
    ratio: str = ""
    met: bool | None = None
    note: str = ""
    runs: list[float] = field(default_factory=list)


RESULTS: list[Result] = []
LOG: list[str] = []


def say(message: str) -> None:
    line = f"[{time.strftime('%H:%M:%S')}] {message}"
    LOG.append(line)
    print(line, flush=True)


# --- tools ---------------------------------------------------------------------------------

def ensure_tools() -> None:
    missing = [tool for tool in ("wrk", "nginx") if shutil.which(tool) is None
               and not Path(f"/usr/sbin/{tool}").exists()]
    if not missing:
        return
    packages = ["wrk", "nginx"]
    if subprocess.run(["apt-cache", "show", "libnginx-mod-http-brotli-filter"],
                      capture_output=True).returncode == 0:
        packages += ["libnginx-mod-http-brotli-filter", "libnginx-mod-http-brotli-static"]
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    say(f"installing {' '.join(packages)} from Debian")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env, timeout=600)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *packages], check=True, env=env,
                   timeout=900)


def nginx_binary() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_json(args: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[:2]} failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (loopback http)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


# --- processes -----------------------------------------------------------------------------

class App:
    """`undersigned serve` on 127.0.0.1 with its task worker, in its own process group."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(UNDERSIGNED), "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--app", "bench.wsgi_bench:rsgi_application"],
            env=self.env, cwd=ROOT, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited: see {self.log}")
            try:
                if http_get(self.url + "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("serve did not answer within 90 s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        # Listed first: a granian worker whose parent a signal killed mid-start outlives it
        # (reparented, out of reach of killpg) and would go on answering on this port.
        spawned = self.processes()
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=45)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        for pid in spawned:
            with contextlib.suppress(OSError):  # gone, as it should be
                if sys.executable.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)

    def processes(self) -> dict[int, str]:
        """Every descendant of `serve`, with its role (app worker or task worker)."""
        if self.proc is None:
            return {}
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
            except (OSError, IndexError, ValueError):
                continue
        found: dict[int, str] = {}
        todo = [self.proc.pid]
        while todo:
            pid = todo.pop()
            for child in children.get(pid, []):
                try:
                    cmd = (Path(f"/proc/{child}/cmdline").read_bytes()
                           .replace(b"\0", b" ").decode(errors="replace"))
                except OSError:
                    continue
                found[child] = "task worker" if "db_worker" in cmd else "granian"
                todo.append(child)
        return found


class RssSampler:
    """Peak resident memory of each process of the app while a load runs."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for pid, role in self.app.processes().items():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                match = re.search(r"VmRSS:\s+(\d+)", status)
                if match:
                    mb = int(match.group(1)) / 1024
                    self.peaks[role] = max(self.peaks.get(role, 0.0), mb)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class Nginx:
    """One nginx: the static-file reference and the shipped deploy/ configuration."""

    def __init__(self, workdir: Path, data_dir: Path, app_port: int, page: bytes) -> None:
        self.workdir = workdir
        self.static_port = free_port()
        self.proxy_port = free_port()
        self.proc: subprocess.Popen | None = None
        (workdir / "reference").mkdir(parents=True, exist_ok=True)
        (workdir / "reference" / "page.html").write_bytes(page)
        (workdir / "cache").mkdir(exist_ok=True)
        deploy = (ROOT / "deploy" / "nginx" / "undersigned.conf").read_text()
        deploy = deploy.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
        deploy = re.sub(r"listen \[::\]:80;\n", "", deploy)
        deploy = deploy.replace("listen 80;", f"listen 127.0.0.1:{self.proxy_port};")
        deploy = deploy.replace("/var/lib/undersigned", str(data_dir))
        deploy = deploy.replace("/var/cache/nginx/undersigned", str(workdir / "cache"))
        self.brotli = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so").exists()
        modules = ""
        if self.brotli:
            modules = ("load_module /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so;\n"
                       "load_module /usr/lib/nginx/modules/ngx_http_brotli_static_module.so;\n")
        else:
            deploy = "\n".join(line for line in deploy.splitlines()
                               if not line.strip().startswith(("brotli", "application/rss")))
        (workdir / "undersigned.conf").write_text(deploy)
        temp = workdir / "tmp"
        temp.mkdir(exist_ok=True)
        # Run as root (a container), nginx's workers would drop to "nobody" and could not
        # write the micro-cache in our private work directory.
        user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
        (workdir / "nginx.conf").write_text(f"""{modules}
{user}
worker_processes auto;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    # The reference: the same bytes the app serves, from a file.
    server {{
        listen 127.0.0.1:{self.static_port};
        root {workdir}/reference;
        default_type text/html;
        open_file_cache max=100 inactive=60s;
    }}
    include {workdir}/undersigned.conf;
}}
""")

    def start(self) -> None:
        conf = str(self.workdir / "nginx.conf")
        check = subprocess.run([nginx_binary(), "-t", "-c", conf, "-p", str(self.workdir)],
                               capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t failed: {check.stderr}")
        self.proc = subprocess.Popen([nginx_binary(), "-c", conf, "-p", str(self.workdir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        for _ in range(50):
            try:
                with socket.create_connection(("127.0.0.1", self.proxy_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that counts and timestamps deliveries."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.times: list[float] = []
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                with sink.lock:
                    sink.times.append(time.monotonic())
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
        self.controller.start()
        self.port = self.controller.port

    def count(self) -> int:
        with self.lock:
            return len(self.times)

    def stop(self) -> None:
        self.controller.stop()


# --- wrk -----------------------------------------------------------------------------------

def wrk(url: str, seconds: int, connections: int, script: list[str] | None = None
        ) -> dict[str, Any]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    if script:
        args += ["-s", script[0], url, "--", *script[1:]]
    else:
        args.append(url)
    proc = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60)
    out = proc.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    statuses = {int(c): int(n) for c, n in re.findall(r"STATUS (\d+) (\d+)", out)}
    errors = re.search(r"Socket errors:(.*)", out)
    return {"rps": float(rps.group(1)) if rps else 0.0, "non2xx": int(bad.group(1)) if bad else 0,
            "requests": int(total.group(1)) if total else 0, "statuses": statuses,
            "socket_errors": errors.group(1).strip() if errors else "", "raw": out}


def paired(subject_url: str, reference_url: str, plan: Plan) -> tuple[list[float], list[float]]:
    """Alternate subject and reference so both see the same machine conditions."""
    subject, reference = [], []
    wrk(subject_url, 2, plan.connections)  # warm caches, connections, nginx's micro-cache
    for _ in range(plan.page_runs):
        reference.append(wrk(reference_url, plan.page_seconds, plan.connections)["rps"])
        result = wrk(subject_url, plan.page_seconds, plan.connections)
        if result["non2xx"]:
            say(f"  {result['non2xx']} non-2xx answers from {subject_url}")
        subject.append(result["rps"])
    return subject, reference


# --- forms ---------------------------------------------------------------------------------

class FormFinder(html.parser.HTMLParser):
    """Forms of a page: action and default values of their fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = {"action": a.get("action", ""), "method": a.get("method", "get"),
                             "fields": {}}
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                self._current["fields"].setdefault(a["name"], None)
                return
            self._current["fields"][a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def find_form(page: bytes, action_part: str) -> dict[str, Any] | None:
    finder = FormFinder()
    finder.feed(page.decode())
    for form in finder.forms:
        if action_part in form["action"] and form["method"].lower() == "post":
            return form
    return None


# --- benchmarks ----------------------------------------------------------------------------

def record(result: Result) -> None:
    RESULTS.append(result)
    flag = {True: "met", False: "NOT met", None: ""}[result.met]
    value = "n/a" if result.value is None else f"{result.value:,.1f}"
    say(f"== {result.name}: {value} {result.unit} {result.ratio} {flag} {result.note}")


# --- checks: the page a scenario measures holds what it claims (bench/pagecheck.py) ---------

FAILED: list[str] = []


def checked(name: str, scenario: Callable[[], None]) -> None:
    """Run one scenario. A page that does not hold what the scenario claims fails it, with the
    check's message in the report and the log, before anything is timed; the other scenarios
    still run, and the run exits non-zero."""
    try:
        scenario()
    except pagecheck.PageCheckFailed as failure:
        FAILED.append(name)
        record(Result(f"{name}: CHECK FAILED, not measured", None, "", note=str(failure),
                      met=False))


def verify_page(page: bytes, env: dict[str, str], slug: str, signatures: int,
                comments: int | None) -> pagecheck.PageFacts:
    facts = pagecheck.check(page, slug=slug, signatures=signatures, comments=comments,
                            **run_json(["bench/djtools.py", "facts", slug], env, 300))
    say(f"  checked /en/s/{slug}/: {facts.describe()}")
    return facts


def verify_served(app: App, env: dict[str, str], slug: str, signatures: int,
                  comments: int | None) -> tuple[bytes, pagecheck.PageFacts]:
    """The page as the app serves it to everyone (the page cache's copy when it has one)."""
    status, _, page = http_get(f"{app.url}/en/s/{slug}/")
    if status != 200:
        raise pagecheck.PageCheckFailed(f"/en/s/{slug}/ answered {status}")
    return page, verify_page(page, env, slug, signatures, comments)


def verify_rendered(env: dict[str, str], slug: str, signatures: int,
                    comments: int | None) -> str:
    """The page as Django renders it in process, for the scenarios that run no server."""
    result = run_json(["bench/djtools.py", "check", slug, str(signatures),
                       "any" if comments is None else str(comments)], env, 300)
    if not result["ok"]:
        raise pagecheck.PageCheckFailed(result["problem"])
    say(f"  checked /en/s/{slug}/ (rendered in process): {result['facts']}")
    return result["facts"]


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


@dataclass
class PostRun:
    rate: float
    stored: int
    statuses: dict[int, int]
    wrk_rps: float


def post_runs(app: App, env: dict[str, str], plan: Plan, seconds: int, action: str, body: str,
              tag: str, label: str, counted: str) -> list[PostRun]:
    """``plan.post_runs`` runs of wrk posting the form, each under its own tag so that its rows
    are counted apart: *accepted* is what the database holds afterwards, not wrk's answers."""
    runs = []
    for number in range(1, plan.post_runs + 1):
        run_tag = f"{tag}{number}"
        say(f"{label}, {seconds} s (run {number} of {plan.post_runs})")
        result = wrk(app.url, seconds, plan.connections,
                     [str(BENCH / "post.lua"), action, body, app.url, run_tag])
        stored = run_json(["bench/djtools.py", "count", run_tag], env, 120).get(counted, 0)
        runs.append(PostRun(stored / seconds, stored, result["statuses"], result["rps"]))
        say(f"  {stored / seconds:,.1f}/s")
    return runs


def median_run(runs: list[PostRun]) -> tuple[float, PostRun]:
    """The median rate and the run that gave it (runs are odd in number, or one)."""
    ordered = sorted(runs, key=lambda run: run.rate)
    middle = ordered[(len(ordered) - 1) // 2]
    return middle.rate, middle


def sign_on_body(app: App, slug: str, name: str) -> tuple[dict, str] | None:
    """The statement page's sign-on form and a filled-in body for it (the address is added per
    post), or None when the page has no form."""
    status, _, page = http_get(f"{app.url}/en/s/{slug}/")
    form = find_form(page, "/sign/")
    if status != 200 or form is None:
        return None
    fields = {k: v for k, v in form["fields"].items() if v is not None and k != "email"}
    fields.update({"kind": "individual", "name": name, "country": "Chile", "show_name": "on"})
    return form, urllib.parse.urlencode(fields)


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


def bench_mail(app: App, env: dict[str, str], smtp: SmtpSink, plan: Plan) -> None:
    """How fast the task worker delivers a burst of queued mails to a real SMTP server."""
    count = 300 if plan.quick else 3000
    while run_json(["bench/djtools.py", "queue"], env, 60)["waiting"]:  # earlier runs' mails
        time.sleep(1)
    before = smtp.count()
    run_json(["bench/djtools.py", "enqueue-mail", str(count)], env, 300)
    started = time.monotonic()
    deadline = started + plan.drain_seconds
    while smtp.count() - before < count and time.monotonic() < deadline:
        time.sleep(0.5)
    delivered = smtp.count() - before
    with smtp.lock:
        times = smtp.times[before:]
    elapsed = (times[-1] - started) if times else time.monotonic() - started
    rate = delivered / elapsed if elapsed > 0 else 0.0
    workers = sum(1 for role in app.processes().values() if role == "task worker")
    record(Result("confirmation mails delivered by the worker to a local SMTP server", rate, "/s",
                  reference=f"{delivered:,} of {count:,} queued mails in {elapsed:.1f} s "
                  f"({workers} task worker processes, rendering included)", target="≥ 200/s",
                  ratio=f"{rate / 200:.2f} ×",
                  met=rate >= 200))


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


def sign_once(app: App, action: str, body: str, number: int) -> tuple[int, float]:
    """One sign-on POST as a browser on the site sends it: status and seconds to the answer."""
    parts = urllib.parse.urlsplit(app.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    started = time.perf_counter()
    try:
        connection.request("POST", action, body + f"&email=s{number}-search@bench.example.org",
                           {"Content-Type": "application/x-www-form-urlencoded",
                            "Origin": app.url, "Sec-Fetch-Site": "same-origin",
                            "X-Forwarded-For": f"10.8.{number // 250}.{number % 250 + 1}"})
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        connection.close()


def bench_search(app: App, env: dict[str, str], slug: str, signatures: int, plan: Plan) -> None:
    """Signatory search (never cached) at a million signatures: one visitor's latency, then a
    sign-on answered while 100 connections search without pause."""
    verify_served(app, env, slug, signatures, 0)
    parts = urllib.parse.urlsplit(app.url)
    rng = random.Random(7)
    say(f"signatory search at {signatures:,} signatures, one connection")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    times, statuses = [], {}
    for number in range(60 if plan.quick else 400):
        path = search_load.search_path(slug, rng)
        started = time.perf_counter()
        connection.request("GET", path, headers={"X-Forwarded-For": "10.7.0.1"})
        response = connection.getresponse()
        response.read()
        if number >= 10:  # the first warm the connection, templates and the database's pages
            times.append((time.perf_counter() - started) * 1000)
        statuses[response.status] = statuses.get(response.status, 0) + 1
    connection.close()
    times.sort()
    median = statistics.median(times)
    record(Result(f"signatory search, {signatures:,} signatures (uncached GET, whole stack)",
                  median, "ms (median)",
                  reference=f"p90 {times[int(len(times) * 0.9)]:.1f} ms, {len(times)} searches "
                  f"for random name prefixes, answers {statuses}", target="≤ 20 ms",
                  ratio=f"{median / 20:.2f} × budget", met=median <= 20))

    form_body = sign_on_body(app, slug, "Search Bench Signer")
    if form_body is None:
        record(Result("sign-on POST during 100 concurrent searches", None, "s",
                      note="no sign-on form on the statement page"))
        return
    form, body = form_body
    time.sleep(4)  # the form token refuses posts faster than a person fills the form
    seconds = 10 if plan.quick else 30
    say(f"sign-on POSTs while 100 connections search, {seconds} s")
    load = subprocess.Popen([sys.executable, str(BENCH / "search_load.py"), app.url, slug, "100",
                             str(seconds)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    time.sleep(2)  # let the 100 connections open and keep the app busy
    answers, waits = {}, []
    number = 0
    while load.poll() is None and number < seconds * 2:
        code, waited = sign_once(app, form["action"], body, number)
        answers[code] = answers.get(code, 0) + 1
        waits.append(waited)
        number += 1
        time.sleep(0.5)
    out, _ = load.communicate(timeout=seconds + 120)
    searches = json.loads(out.strip().splitlines()[-1])
    worst = max(waits) if waits else None
    record(Result("sign-on POST answered while 100 connections search", worst, "s (slowest)",
                  reference=f"{len(waits)} sign-ons, median {statistics.median(waits):.3f} s, "
                  f"answers {answers}; searches meanwhile: {searches['requests']:,} "
                  f"(median {searches['median_ms']:.0f} ms, p90 {searches['p90_ms']:.0f} ms), "
                  f"answers {searches['statuses']}",
                  target="≤ 1 s", ratio=f"{worst / 1:.2f} × budget" if worst else "",
                  met=worst is not None and worst <= 1 and set(answers) == {303}))


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


# --- setup ---------------------------------------------------------------------------------

def environment(data_dir: Path, database_url: str = "", smtp_port: int | None = None,
                port: int = 8000) -> dict[str, str]:
    # The caller's UNDERSIGNED_* settings are dropped (the run is self-contained) except the
    # process counts, so that `UNDERSIGNED_TASK_WORKERS=2 make bench` compares tunings.
    keep = {"UNDERSIGNED_WORKERS", "UNDERSIGNED_THREADS", "UNDERSIGNED_TASK_WORKERS",
            "UNDERSIGNED_BACKGROUND_NICENESS"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNDERSIGNED_") or k in keep}
    env.update({
        "UNDERSIGNED_DATA_DIR": str(data_dir),
        "UNDERSIGNED_DATABASE_URL": database_url,
        "UNDERSIGNED_BASE_URL": f"http://127.0.0.1:{port}",
        "UNDERSIGNED_TRUST_X_FORWARDED_FOR": "1",
        # As deploy/undersigned.env.example: pages as files for the shipped nginx config.
        "UNDERSIGNED_PAGE_FILES": "1",
        "UNDERSIGNED_EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}" if smtp_port else "console:",
        "DJANGO_SETTINGS_MODULE": "undersigned.settings",
        "PYTHONPATH": str(ROOT),
    })
    return env


def prepare(env: dict[str, str], data: list[tuple[str, int, int]]) -> None:
    subprocess.run([str(UNDERSIGNED), "migrate", "--no-input", "-v0"], env=env, cwd=ROOT,
                   check=True, timeout=600)
    subprocess.run([str(UNDERSIGNED), "collectstatic", "--no-input", "-v0"], env=env, cwd=ROOT,
                   check=True, timeout=600)
    for slug, signatures, comments in data:
        say(f"generating {slug}: {signatures:,} signatures, {comments} comments")
        subprocess.run([sys.executable, str(BENCH / "generate.py"), slug, str(signatures),
                        str(comments)], env=env, cwd=ROOT, check=True, timeout=1200)


def postgres_ready(url: str) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    parts = urllib.parse.urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    name = parts.path.lstrip("/")
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except Exception as error:  # no server, no rights: the PostgreSQL run is skipped
        say(f"PostgreSQL at {url} not usable: {error}")
        return False


def machine(postgres: bool) -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    info = {
        "cores (nproc)": str(os.cpu_count()),
        "CPU": model.group(1) if model else platform.processor(),
        "RAM": f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB" if mem else "?",
        "kernel": platform.release(),
        "Python": platform.python_version(),
    }
    import sqlite3

    info["SQLite"] = sqlite3.sqlite_version
    if postgres:
        try:
            import psycopg

            with psycopg.connect(POSTGRES_URL, connect_timeout=5) as conn:
                info["PostgreSQL"] = conn.execute("SHOW server_version").fetchone()[0]
        except Exception:
            info["PostgreSQL"] = "not reachable"
    else:
        info["PostgreSQL"] = "not reachable (run skipped)"
    for tool, args in (("nginx", ["-v"]), ("wrk", ["-v"])):
        binary = tool if tool != "nginx" else nginx_binary()
        if shutil.which(binary) is None:  # a run that needs neither (--only search)
            info[tool] = "not installed"
            continue
        proc = subprocess.run([binary, *args], capture_output=True, text=True)
        info[tool] = (proc.stderr or proc.stdout).strip().splitlines()[0] if (
            proc.stderr or proc.stdout) else "?"
    try:
        import granian

        info["granian"] = granian.__version__
    except ImportError:
        pass
    return info


# --- report --------------------------------------------------------------------------------

def write_report(plan: Plan, info: dict[str, str], started: float, target: Path = DOCS) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (bench/run.py); do not edit by hand — the analysis below the",
        "results comes from bench/notes.md.",
        "",
        f"- command: `make bench{' QUICK=1' if plan.quick else ''}` "
        f"({'quick mode: short runs, not for the record' if plan.quick else 'full run'})",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"duration {(time.monotonic() - started) / 60:.1f} min",
        f"- load: wrk -t2 -c{plan.connections}, {plan.page_seconds} s × {plan.page_runs} runs per "
        f"page figure (medians), sign-on POSTs {plan.post_seconds} s and comment POSTs "
        f"{plan.comment_seconds} s × {plan.post_runs} runs (medians); server and load generator share "
        "the machine, loopback only",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in info.items()],
        "",
        "## Results",
        "",
        "| benchmark | result | same-run reference | target | ratio | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in RESULTS:
        value = "not measured" if r.value is None else f"{r.value:,.1f} {r.unit}"
        met = {True: "yes", False: "**no**", None: "–"}[r.met]
        reference = r.reference + (f" ({r.note})" if r.note else "")
        lines.append(f"| {r.name} | {value} | {reference} | {r.target} | {r.ratio} | {met} |")
    lines += ["", "Individual runs:", ""]
    for r in RESULTS:
        if r.runs:
            lines.append(f"- {r.name}: " + ", ".join(f"{v:,.1f}" for v in r.runs))
    lines += ["", "<details><summary>Run log</summary>", "", "```", *LOG, "```", "", "</details>",
              ""]
    if NOTES.exists():
        lines += [NOTES.read_text()]
    target.write_text("\n".join(lines))
    say(f"wrote {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", default=bool(os.environ.get("QUICK")))
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--report", type=Path, default=DOCS, help="where to write the report")
    parser.add_argument("--only", default="", help="comma list: pages,render,posts,comments,"
                        "thread,mail,export,weight,search,postgres")
    args = parser.parse_args()
    plan = make_plan(args.quick)
    only = set(filter(None, args.only.split(",")))

    def wanted(name: str) -> bool:
        return not only or name in only

    started = time.monotonic()
    if any(wanted(name) for name in ("pages", "weight", "posts", "comments")):  # wrk, nginx
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
            ({"pages", "weight", "render", "mail", "comments", "posts"},
             ("viral", plan.viral_signatures, plan.comments)),
            ({"render", "search", "export"}, ("million", plan.million_signatures, 0)),
            *(({"thread"}, (f"thread-{size}", THREAD_SIGNATURES, size))
              for size in THREAD_SIZES),
        ) if any(wanted(name) for name in readers)]
        prepare(env, data)
        app.start()
        if wanted("pages") or wanted("weight"):
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
        if wanted("posts"):  # after the comment runs, which added to the discussion
            checked("posts", lambda: bench_posts(app, env, "viral", plan, "SQLite", "sq",
                                                 plan.viral_signatures, None))
        app.stop()
        if wanted("export"):
            checked("export", lambda: bench_export(env, "million", plan.million_signatures))
        if use_postgres:
            pg_env = environment(workdir / "data-pg", POSTGRES_URL, smtp.port, port)
            if wanted("postgres"):
                prepare(pg_env, [("viral", 1000, 0)])
                app = App(pg_env, port, workdir / "serve-pg.log")
                app.start()
                checked("postgres", lambda: bench_posts(app, pg_env, "viral", plan,
                                                        "PostgreSQL", "pg", 1000, 0))
                app.stop()
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
