"""The benchmark's harness: the processes it runs and the tools it drives (bench/run.py).

What every scenario (bench/scenarios/) shares and none of them measures: the plan (durations,
sizes), the run log, the tools (wrk and nginx installed when missing, wrk's output read), the
processes started on 127.0.0.1 (`undersigned serve` with its task workers, nginx as the
static-file reference and as the shipped deploy/ configuration, an SMTP server that counts what
arrives), peak memory sampled while a load runs, HTTP and form helpers, the environment and
data of a run, and the machine's description for the report.
"""

from __future__ import annotations

import contextlib
import getpass
import html.parser
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import procs

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
UNDERSIGNED = VENV_BIN / "undersigned"
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
    viral_seconds: int  # the viral day's mixed run (bench/scenarios/viral.py)


def make_plan(quick: bool) -> Plan:
    if quick:
        return Plan(True, page_seconds=4, page_runs=2, post_seconds=8, comment_seconds=6, post_runs=1,
                    drain_seconds=15, connections=32, viral_signatures=100_000,
                    million_signatures=100_000, comments=200, renders=15, thread_posts=300,
                    thread_rounds=3, viral_seconds=15)
    return Plan(False, page_seconds=10, page_runs=3, post_seconds=60, comment_seconds=30, post_runs=3,
                drain_seconds=90, connections=64, viral_signatures=100_000,
                million_signatures=1_000_000, comments=200, renders=60, thread_posts=1000,
                thread_rounds=5, viral_seconds=60)


# The run log: printed as it goes, and kept for the report (bench/report.py).
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
                if sys.executable in procs.command_line(pid):
                    os.kill(pid, signal.SIGKILL)

    def processes(self) -> dict[int, str]:
        """Every descendant of `serve`, with its role (app worker or task worker)."""
        if self.proc is None:
            return {}
        found: dict[int, str] = {}
        for pid in procs.descendants(self.proc.pid):  # core/procs.py, as `serve` walks them
            command = procs.command_line(pid)
            if command:  # "": gone meanwhile
                found[pid] = "task worker" if "db_worker" in command else "granian"
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
