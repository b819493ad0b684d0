"""The app threads of `core.rsgi` take waiting writes before waiting reads.

A sign-on sent while a hundred searches wait for the one app thread of a process used to wait
for all of them (bench: "a sign-on while 100 connections search", over 1 s); now it waits only
for the read already running.
"""

from __future__ import annotations

import asyncio
import threading

from core.rsgi import AppThreads


def test_a_waiting_write_runs_before_reads_that_arrived_earlier() -> None:
    order: list[str] = []
    running = threading.Event()
    release = threading.Event()

    def occupy() -> str:
        running.set()
        release.wait(timeout=10)
        order.append("running read")
        return "running read"

    def job(name: str):  # noqa: ANN202
        def run() -> str:
            order.append(name)
            return name
        return run

    async def scenario() -> list[str]:
        loop = asyncio.get_running_loop()
        threads = AppThreads(1)
        try:
            first = threads.run(loop, False, occupy)
            await loop.run_in_executor(None, running.wait, 10)
            reads = [threads.run(loop, False, job(f"read {n}")) for n in range(3)]
            write = threads.run(loop, True, job("write"))
            release.set()
            return await asyncio.gather(first, *reads, write)
        finally:
            threads.shutdown()

    results = asyncio.run(scenario())
    assert results == ["running read", "read 0", "read 1", "read 2", "write"]
    assert order == ["running read", "write", "read 0", "read 1", "read 2"]


def test_a_flood_of_writes_does_not_starve_the_reads() -> None:
    """/healthz and the admin (where an editor switches surge mode off) need Django too: a
    POST flood slows them, never stops them."""
    order: list[str] = []
    running = threading.Event()
    release = threading.Event()

    def occupy() -> None:
        running.set()
        release.wait(timeout=10)

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        threads = AppThreads(1)
        try:
            first = threads.run(loop, True, occupy)
            await loop.run_in_executor(None, running.wait, 10)
            jobs = [threads.run(loop, False, lambda n=n: order.append(f"r{n}")) for n in range(2)]
            jobs += [threads.run(loop, True, lambda n=n: order.append(f"w{n}")) for n in range(10)]
            release.set()
            await asyncio.gather(first, *jobs)
        finally:
            threads.shutdown()

    asyncio.run(scenario())
    per_read = AppThreads.WRITES_PER_READ
    # The occupying write counted as the first of a row.
    assert order[per_read - 1] == "r0"
    assert order[2 * per_read] == "r1"
    assert [name for name in order if name.startswith("w")] == [f"w{n}" for n in range(10)]


def test_an_error_in_the_app_reaches_the_request_that_caused_it() -> None:
    def fail() -> None:
        raise ValueError("broken")

    async def scenario() -> str:
        loop = asyncio.get_running_loop()
        threads = AppThreads(1)
        try:
            await threads.run(loop, True, fail)
        except ValueError as error:
            return str(error)
        finally:
            threads.shutdown()
        return "no error"

    assert asyncio.run(scenario()) == "broken"


class _Headers(dict):
    """granian's RSGIHeaders: lower-case names, ``get`` and ``items``."""


class _Scope:
    def __init__(self, method: str = "GET", path: str = "/es/s/café/", query: str = "",
                 **headers: str) -> None:
        self.method, self.path, self.query_string, self.scheme = method, path, query, "http"
        self.server, self.client, self.http_version = "127.0.0.1:8000", "203.0.113.9:5555", "1.1"
        self.proto = "http"
        self.headers = _Headers({name.replace("_", "-"): value for name, value in headers.items()})


def test_the_page_cache_reads_only_headers_the_fast_path_provides() -> None:
    """A cache hit is answered from a light environ (core.rsgi.fast_path_environ): every
    request key pages/store.py reads must be in it, or hits would be keyed or answered
    differently on the event loop than in Django."""
    import re
    from pathlib import Path

    from core.rsgi import FAST_PATH_HEADERS
    from pages import store as pagecache

    source = Path(pagecache.__file__).read_text()
    read = set(re.findall(r'environ(?:\.get\(|\[)"([A-Za-z_.]+)"', source))
    provided = {key for _name, key in FAST_PATH_HEADERS} | {
        "REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SERVER_NAME", "wsgi.url_scheme",
        "HTTP_COOKIE"}  # a request with cookies takes the full environ
    assert read, "the scan found nothing: pages/store.py changed shape"
    assert read <= provided, f"read by the page cache, missing from the fast path: {read - provided}"


def test_the_light_environ_finds_the_same_page_as_the_full_one() -> None:
    from core.rsgi import environ_from, fast_path_environ
    from pages import store as pagecache

    scopes = [
        _Scope(host="example.org", accept_encoding="gzip", if_none_match='"x"'),
        _Scope(query="utm_source=x&order=oldest", host="example.org", x_forwarded_proto="https"),
        _Scope(path="/en/", accept_language="es-CL,es;q=0.9", authorization="Basic eA=="),
        _Scope(path="/en/"),  # no Host: the server's name keys it
    ]
    for scope in scopes:
        light, full = fast_path_environ(scope), environ_from(scope)
        assert light is not None
        assert pagecache.cache_key(light) == pagecache.cache_key(full)
        assert pagecache.cache_key(light, "es") == pagecache.cache_key(full, "es")
        assert (pagecache.request_is_cacheable(light)
                == pagecache.request_is_cacheable(full))
    assert fast_path_environ(_Scope(method="POST")) is None
    assert fast_path_environ(_Scope(cookie="sessionid=1")) is None


class _BodyProtocol:
    """granian's RSGI protocol for one request: the body when awaited, the answer recorded."""

    def __init__(self, body: bytes = b"") -> None:
        self.body = body
        self.answers: list[int] = []

    async def __call__(self) -> bytes:
        return self.body

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.answers.append(status)


def _held_write_app():  # noqa: ANN202
    """An RSGIApplication whose POSTs wait in the app thread until released, and whose fast
    path answers every GET (a cached page) and notes the order of events."""
    from core.rsgi import RSGIApplication

    events: list[str] = []
    writing = threading.Event()
    release = threading.Event()

    def wsgi(environ, start_response):  # noqa: ANN001, ANN202
        writing.set()
        release.wait(timeout=10)
        events.append("write answered")
        start_response("303 See Other", [("Location", "/")])
        return [b""]

    def fast_path(environ, protocol) -> bool:  # noqa: ANN001
        events.append("read answered")
        protocol.response_bytes(200, [], b"page")
        return True

    return RSGIApplication(wsgi, fast_path=fast_path), events, writing, release


def test_cached_pages_wait_while_the_process_answers_a_write(monkeypatch) -> None:
    """On a viral day the event loop answers cached pages as fast as readers ask, and it holds
    the GIL while it does: the app thread's sign-on then waits a switch interval (5 ms) at every
    database call. Reads wait while a write is in hand, so the write runs alone (docs/benchmarks.md,
    round 17: the viral day's post p99 went from 0.9 s to under 50 ms)."""
    from core import rsgi

    monkeypatch.setattr(rsgi, "READERS_WAIT_AT_MOST_SECONDS", 30)
    app, events, writing, release = _held_write_app()
    post = _Scope(method="POST", content_length="3")

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        app.__rsgi_init__(loop)
        try:
            write = asyncio.create_task(app(post, _BodyProtocol(b"a=1")))
            await loop.run_in_executor(None, writing.wait, 10)
            read = asyncio.create_task(app(_Scope(), _BodyProtocol()))
            await asyncio.sleep(0.05)
            assert events == [], "a cached page was answered while the write ran"
            release.set()
            await asyncio.gather(write, read)
        finally:
            app.__rsgi_del__(loop)

    asyncio.run(scenario())
    assert events == ["write answered", "read answered"]


def test_a_long_write_holds_the_readers_only_for_a_moment(monkeypatch) -> None:
    """An admin upload or a slow export must not stop the process's cached pages: readers wait
    at most READERS_WAIT_AT_MOST_SECONDS for the writes to pass."""
    from core import rsgi

    monkeypatch.setattr(rsgi, "READERS_WAIT_AT_MOST_SECONDS", 0.01)
    app, events, writing, release = _held_write_app()

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        app.__rsgi_init__(loop)
        try:
            write = asyncio.create_task(app(_Scope(method="POST", content_length="3"),
                                            _BodyProtocol(b"a=1")))
            await loop.run_in_executor(None, writing.wait, 10)
            await app(_Scope(), _BodyProtocol())
            assert events == ["read answered"]
            release.set()
            await write
        finally:
            app.__rsgi_del__(loop)

    asyncio.run(scenario())
    assert events == ["read answered", "write answered"]


def test_a_write_does_not_wait_for_other_writes_on_the_loop() -> None:
    """Only reads step aside: a second sign-on is received and queued while the first runs
    (the app threads order the writes)."""
    app, events, writing, release = _held_write_app()

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        app.__rsgi_init__(loop)
        try:
            protocols = [_BodyProtocol(b"a=1"), _BodyProtocol(b"a=2")]
            first = asyncio.create_task(app(_Scope(method="POST", content_length="3"),
                                            protocols[0]))
            await loop.run_in_executor(None, writing.wait, 10)
            second = asyncio.create_task(app(_Scope(method="POST", content_length="3"),
                                             protocols[1]))
            await asyncio.sleep(0.05)
            assert app._app_threads is not None and len(app._app_threads._writes) == 1
            release.set()
            await asyncio.gather(first, second)
            assert [p.answers for p in protocols] == [[303], [303]]
        finally:
            app.__rsgi_del__(loop)

    asyncio.run(scenario())


# --- cached pages answered before the loop (core.rsgi.answer_before_the_loop) --------------

class _Watcher:
    """What granian hands its scheduling function for each request."""

    def __init__(self, scope: _Scope) -> None:
        self.scope, self.proto = scope, _BodyProtocol()


def test_granians_scheduler_answers_cached_pages_and_hands_on_the_rest(monkeypatch) -> None:
    """The scheduling function granian builds per app process answers what the fast path can,
    and hands everything else to the loop, as granian's own would: a POST, a page the cache
    does not hold, a fast path that fails, and any read while a write is in hand (the readers
    wait for it on the loop)."""
    from granian import _futures

    from core import rsgi

    handed_on: list[str] = []
    monkeypatch.setattr(_futures, "_cbsched_aioschedule",
                        lambda loop, context, callback: lambda w: handed_on.append(w.scope.path))
    notes: list[bool] = []

    def fast_path(environ, protocol) -> bool:  # noqa: ANN001
        notes.append(bool(environ.get(rsgi.BEFORE_THE_LOOP)))
        if environ["PATH_INFO"] == "/broken":
            raise RuntimeError("the cache failed")
        if environ["PATH_INFO"] != "/page":
            return False
        protocol.response_bytes(200, [], b"page")
        return True

    app = rsgi.RSGIApplication(lambda environ, start_response: [], fast_path=fast_path)
    assert rsgi.answer_before_the_loop(app)
    schedule = _futures._cbsched_aioschedule(None, None, None)
    page = _Watcher(_Scope(path="/page"))
    schedule(page)
    assert page.proto.answers == [200] and not handed_on and notes == [True]
    for watcher in (_Watcher(_Scope(method="POST", path="/page")), _Watcher(_Scope(path="/other")),
                    _Watcher(_Scope(path="/broken")), _Watcher(_Scope(path="/page", cookie="s=1"))):
        schedule(watcher)
        assert not watcher.proto.answers
    assert handed_on == ["/page", "/other", "/broken", "/page"]
    app._writes_in_hand = 1
    schedule(page)
    assert handed_on[-1] == "/page" and page.proto.answers == [200]  # not answered again


def test_granian_answers_a_cached_page_while_its_event_loop_is_stalled(tmp_path) -> None:
    """The seam of answer_before_the_loop is granian's private scheduling function and the
    ``scope`` and ``proto`` of what it receives: if a granian release changes them, cached pages
    silently go back through the loop (a quarter slower, docs/benchmarks.md round 20). Served by
    a real granian, a cached page is answered by the scheduler thread, even while the loop is
    stalled by another request."""
    import http.client
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    from tests.conftest import free_port
    from tests.performance import scheduler_probe

    root = Path(__file__).resolve().parents[2]
    port = free_port()
    stalling = tmp_path / "stalling"
    log = (tmp_path / "granian.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "granian", "--interface", "rsgi", "--loop", "uvloop",
         "--workers", "1", "--no-ws", "--port", str(port),
         "tests.performance.scheduler_probe:application"],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root), "PROBE_STALLING": str(stalling)},
        stdout=log,
        stderr=subprocess.STDOUT)

    def get(path: str, timeout: float) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert get("/page", 5) == (200, b"scheduler")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, \
                    (tmp_path / "granian.log").read_text()
                time.sleep(0.2)
        stalled: list[tuple[int, bytes]] = []
        stall = threading.Thread(target=lambda: stalled.append(
            get("/stall", scheduler_probe.STALL_SECONDS + 10)))
        stall.start()
        while not stalling.exists():
            assert stall.is_alive(), stalled
            time.sleep(0.05)
        started = time.monotonic()
        assert get("/page", scheduler_probe.STALL_SECONDS - 0.5) == (200, b"scheduler")
        assert time.monotonic() - started < scheduler_probe.STALL_SECONDS - 1
        stall.join()
        assert stalled == [(200, b"loop")]
    finally:
        server.terminate()
        server.wait(timeout=15)
