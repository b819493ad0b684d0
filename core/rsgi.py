"""Serve a WSGI application under granian's RSGI interface, so that no app thread ever waits on
a client.

Under granian's WSGI interface the application is called as soon as the headers are in, and
``wsgi.input`` reads the body from the socket in the app thread: a client that sends its headers
and then trickles the body a byte a second holds that thread as long as it likes, and with one
thread per process two such clients froze a bare ``undersigned serve`` — every page, cached
pages and ``/healthz`` included (issue 14). There is no deadline to set on that read.

Here the event loop of each app process receives the whole body first, with a total deadline
and a size cap, while it goes on answering other requests; only a complete request is handed to
the WSGI application, in a thread of a pool of ``threads`` threads (one by default: the GIL
makes more take turns anyway). A request whose body does not arrive in time gets a 408, one
that announces too much a 413, and in both cases the connection is closed. Requests that can be
answered without Django (cached pages) are answered before the loop, in the thread granian
hands requests over from (``answer_before_the_loop``), so they never wait for a free app
thread either.

Requests waiting for an app thread are taken writes first (``AppThreads``): a flood of uncached
reads — a hundred searches at once — queues behind itself, while a sign-on or a comment waits
at most for the one read already running. Measured in docs/benchmarks.md ("Search and query
strings": a sign-on while 100 connections search).

While a write is in hand, cached pages go to the loop, which stops answering them (for at
most ``READERS_WAIT_AT_MOST_SECONDS``). The loop and the app thread share the GIL, and a loop that
always has a reader to answer keeps it for a whole switch interval (5 ms) each time the app
thread lets it go — which a sign-on does at every database call. On the viral day (readers at
full speed, 350 posts a second) a sign-on took a hundred milliseconds that way, most of it
waiting; with the readers stepping aside it takes its few milliseconds of work and the readers
lose little, since the posts are a small part of the time (docs/benchmarks.md, round 17).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import io
import logging
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from http import HTTPStatus
from typing import Any, Protocol

type WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# Answers a request on the event loop, without a thread, or returns False to pass it on.
type FastPath = Callable[[dict[str, Any], Any], bool]

_BASE_ENVIRON: dict[str, Any] = {
    "GATEWAY_INTERFACE": "CGI/1.1", "SCRIPT_NAME": "", "SERVER_SOFTWARE": "granian (RSGI)",
    "wsgi.version": (1, 0), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
    "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.input_terminated": True,
}
# Header name -> environ key, remembered: computing it was a third of a cached page's cost.
_KEYS: dict[str, str] = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}
_MAX_KEYS = 512  # real browsers send a few dozen names; past this somebody is inventing them


class Scope(Protocol):
    method: str
    path: str
    query_string: str
    scheme: str
    server: str
    client: str
    http_version: str

    @property
    def headers(self) -> Any: ...


def environ_from(scope: Scope) -> dict[str, Any]:
    """The WSGI environ of an RSGI request, as granian's WSGI interface builds it."""
    server, _, port = scope.server.rpartition(":")
    environ = {
        **_BASE_ENVIRON,
        "REQUEST_METHOD": scope.method,
        # RSGI gives the path percent-decoded as text; WSGI wants those bytes as latin-1.
        # Invalid UTF-8 arrives as U+FFFD, which RequestLimitsMiddleware refuses with a 400.
        "PATH_INFO": scope.path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": server.strip("[]"),
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": scope.client.rpartition(":")[0].strip("[]"),
        "wsgi.url_scheme": scope.scheme,
    }
    for name, value in scope.headers.items():
        key = _KEYS.get(name)
        if key is None:
            # `X_Forwarded_For` would land on the same key as `X-Forwarded-For` and could pass
            # for the proxy's header: names with underscores are dropped (as nginx does).
            if "_" in name:
                continue
            key = "HTTP_" + name.upper().replace("-", "_")
            if len(_KEYS) < _MAX_KEYS:
                _KEYS[name] = key
        if key in environ:
            environ[key] += ("; " if key == "HTTP_COOKIE" else ",") + value
        else:
            environ[key] = value
    return environ


# The request headers the fast path (the page cache: pages.store.lookup and Entry.answer)
# reads, under their environ keys. tests/performance/test_rsgi_seams.py checks the list
# against what pages/store.py reads, so a new header there cannot be silently missed here.
# Keys a fast path adds to the environ to tell the application about the request.
FAST_PATH_NOTES = "undersigned."
# Set in the fast path's environ while the app threads have work: a fast path may then answer
# what it would otherwise hand on (the page cache answers a page that just changed: pages.store).
APP_BUSY = "undersigned.app_busy"
# Set in the fast path's environ when it is called in granian's scheduler thread
# (``answer_before_the_loop``): answer what can be answered as it is, and claim nothing — a
# request handed on from there meets the fast path again on the loop, which decides the rest.
BEFORE_THE_LOOP = "undersigned.before_the_loop"
FAST_PATH_HEADERS = (
    ("host", "HTTP_HOST"), ("accept-encoding", "HTTP_ACCEPT_ENCODING"),
    ("accept-language", "HTTP_ACCEPT_LANGUAGE"), ("if-none-match", "HTTP_IF_NONE_MATCH"),
    ("x-forwarded-proto", "HTTP_X_FORWARDED_PROTO"), ("authorization", "HTTP_AUTHORIZATION"),
)
_READS = frozenset({"GET", "HEAD"})
_logger = logging.getLogger(__name__)
MIN_BODY_BYTES_PER_SECOND = 64 * 1024


def fast_path_environ(scope: Scope) -> dict[str, Any] | None:
    """The few environ keys a cached page is found and answered by, or None when the request
    cannot be a cache hit. Building the full environ (every header) was a third of a cache
    hit's cost; a hit needs six headers. A request with cookies takes the full environ: cookies
    may come in several headers (HTTP/2), which only the full environ joins."""
    if scope.method not in _READS:
        return None
    headers = scope.headers
    if "cookie" in headers:
        return None
    environ = {
        "REQUEST_METHOD": scope.method,
        "PATH_INFO": scope.path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": scope.server.rpartition(":")[0].strip("[]"),
        "wsgi.url_scheme": scope.scheme,
    }
    for name, key in FAST_PATH_HEADERS:
        value = headers.get(name)
        if value is not None:
            environ[key] = value
    return environ


def _refusal(status: HTTPStatus) -> tuple[int, list[tuple[str, str]], bytes]:
    body = f"{status.value} {status.phrase}\n".encode()
    return status.value, [("Content-Type", "text/plain; charset=utf-8"),
                          ("Content-Length", str(len(body))), ("Connection", "close"),
                          ("X-Content-Type-Options", "nosniff")], body


async def read_body(protocol: Any, environ: dict[str, Any], seconds: float,
                    max_bytes: int) -> bytes | HTTPStatus:
    """The whole request body, or the status that refuses it (408, 413, 400)."""
    length = environ.get("CONTENT_LENGTH", "")
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if not chunked and length in ("", "0"):
        return b""  # the common case, GETs: nothing to wait for
    if length and not chunked:
        if not length.isdigit():
            return HTTPStatus.BAD_REQUEST
        if int(length) > max_bytes:
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE
        # A large upload (an editor's photo on a slow link) gets a second more per 64 KB: the
        # deadline stops a client that barely sends, not one that sends a lot.
        seconds += int(length) / MIN_BODY_BYTES_PER_SECOND
    try:
        async with asyncio.timeout(seconds):
            if not chunked:
                return await protocol()
            body = bytearray()
            async for chunk in protocol:
                body += chunk
                if len(body) > max_bytes:
                    return HTTPStatus.REQUEST_ENTITY_TOO_LARGE
            return bytes(body)
    except TimeoutError:
        return HTTPStatus.REQUEST_TIMEOUT
    except Exception:  # the client went away or broke the framing mid-body
        return HTTPStatus.BAD_REQUEST


class _StartResponse:
    __slots__ = ("headers", "status")

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[str, str]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        self.status = int(status.split(" ", 1)[0])
        self.headers = headers


# How long after its last request the app threads still count as busy (AppThreads.busy).
BUSY_WITHIN_SECONDS = 1.0
# Methods that change state: the visitor is acting (signing, commenting), not reading.
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# How long a reader waits at most for the writes in hand to pass (see the module's docstring):
# a slow write (an upload, an export) must not stop the cached pages.
READERS_WAIT_AT_MOST_SECONDS = 0.25


class AppThreads:
    """A fixed pool of app threads that takes waiting writes before waiting reads, each class
    in arrival order. A plain executor is first-come first-served, so a POST sent while a
    hundred searches wait in line waited for all of them.

    Writes go first only ``WRITES_PER_READ`` at a time while reads wait: a flood of POSTs slows
    pages that need Django (``/healthz``, the admin where an editor switches surge mode off)
    but cannot starve them."""

    WRITES_PER_READ = 4

    def __init__(self, threads: int) -> None:
        self._writes: collections.deque[Callable[[], None]] = collections.deque()
        self._reads: collections.deque[Callable[[], None]] = collections.deque()
        self._waiting = threading.Condition()
        self._writes_in_a_row = 0
        self._stopping = False
        self._running = 0
        self._last_job_ended = float("-inf")
        self._threads = [threading.Thread(target=self._work, name=f"wsgi-{number}", daemon=True)
                         for number in range(threads)]
        for thread in self._threads:
            thread.start()

    def _next(self) -> Callable[[], None] | None:
        with self._waiting:
            while not (self._writes or self._reads or self._stopping):
                self._waiting.wait()
            if self._writes and (not self._reads
                                 or self._writes_in_a_row < self.WRITES_PER_READ):
                self._writes_in_a_row += 1
                return self._writes.popleft()
            if self._reads:
                self._writes_in_a_row = 0
                return self._reads.popleft()
            return None  # stopping, nothing left

    def _work(self) -> None:
        while (job := self._next()) is not None:
            self._running += 1
            try:
                job()
            finally:
                self._running -= 1
                self._last_job_ended = time.monotonic()

    def busy(self, within: float = BUSY_WITHIN_SECONDS) -> bool:
        """Whether a request is being answered or waits for a thread, or one ended less than
        ``within`` seconds ago (read without the lock: a hint). Under load the threads are
        idle for moments between requests; "busy" must not blink with them."""
        return bool(self._running or self._writes or self._reads
                    or time.monotonic() - self._last_job_ended < within)

    def run[T](self, loop: asyncio.AbstractEventLoop, write: bool,
               function: Callable[[], T]) -> asyncio.Future[T]:
        future: asyncio.Future[T] = loop.create_future()

        def job() -> None:
            try:
                result = function()
            except BaseException as error:  # handed to the awaiting coroutine
                loop.call_soon_threadsafe(_settle, future, None, error)
            else:
                loop.call_soon_threadsafe(_settle, future, result, None)

        with self._waiting:
            (self._writes if write else self._reads).append(job)
            self._waiting.notify()
        return future

    def shutdown(self) -> None:
        with self._waiting:
            self._stopping = True
            self._waiting.notify_all()
        for thread in self._threads:
            thread.join()


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class RSGIApplication:
    """An RSGI application that buffers the body with a deadline, then runs ``wsgi`` in a
    thread. ``fast_path`` may answer a request on the loop first (the page cache)."""

    def __init__(self, wsgi: WSGIApp, *, fast_path: FastPath | None = None,
                 body_seconds: float = 30, max_body_bytes: int = 20 * 1024 * 1024,
                 threads: int = 1) -> None:
        self.wsgi = wsgi
        self.fast_path = fast_path
        self.body_seconds = body_seconds
        self.max_body_bytes = max_body_bytes
        self.threads = threads
        self._app_threads: AppThreads | None = None
        # Writes received and not yet answered; readers step aside while there are any.
        self._writes_in_hand = 0
        self._no_writes = asyncio.Event()  # binds to the loop that first waits on it

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._app_threads = AppThreads(self.threads)

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._app_threads is not None:
            self._app_threads.shutdown()

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return
        light = None
        if self.fast_path is not None:
            if self._writes_in_hand and scope.method in _READS:
                await self._let_writes_pass()
            light = self._fast_path_environ(scope)
            if light is not None and self.fast_path(light, protocol):
                return
        environ = environ_from(scope)
        if light is not None:
            # What the fast path noted about the request travels with it (the page cache's
            # claim to render a changed page: pages.store).
            environ.update((key, value) for key, value in light.items()
                           if key.startswith(FAST_PATH_NOTES))
        if self.fast_path is not None and "HTTP_COOKIE" in environ and self.fast_path(
                environ, protocol):
            return
        body = await read_body(protocol, environ, self.body_seconds, self.max_body_bytes)
        if isinstance(body, HTTPStatus):
            protocol.response_bytes(*_refusal(body))
            return
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body)) if body else environ.get("CONTENT_LENGTH", "")
        loop = asyncio.get_running_loop()
        if self._app_threads is None:
            self.__rsgi_init__(loop)
        assert self._app_threads is not None
        write = scope.method in _WRITES
        if write:
            self._writes_in_hand += 1
            self._no_writes.clear()
        try:
            answer = await self._app_threads.run(
                loop, write, lambda: self._call(environ, protocol, loop))
        finally:
            if write:
                self._writes_in_hand -= 1
                if not self._writes_in_hand:
                    self._no_writes.set()
        if answer is not None:
            protocol.response_bytes(*answer)

    __call__ = __rsgi__

    def answer_at_once(self, scope: Any, protocol: Any) -> bool:
        """Answer in the calling thread, if the fast path can and no write is in hand (then
        the readers wait on the loop: the module's docstring); False hands the request on."""
        if self.fast_path is None or self._writes_in_hand or scope.proto != "http":
            return False
        light = self._fast_path_environ(scope)
        if light is None:
            return False
        light[BEFORE_THE_LOOP] = True
        return self.fast_path(light, protocol)

    def _fast_path_environ(self, scope: Any) -> dict[str, Any] | None:
        """``fast_path_environ``, noting whether the app threads have work (``APP_BUSY``)."""
        light = fast_path_environ(scope)
        if light is not None and self._app_threads is not None and self._app_threads.busy():
            light[APP_BUSY] = True
        return light

    async def _let_writes_pass(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(READERS_WAIT_AT_MOST_SECONDS):
                await self._no_writes.wait()

    def _call(self, environ: dict[str, Any], protocol: Any,
              loop: asyncio.AbstractEventLoop) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """Run the WSGI application in this thread. A whole response is returned for the loop
        to send; a streamed one (the CSV export, files) is sent from here chunk by chunk, so that
        every step of its iterator — database cursors included — runs in this one thread."""
        start_response = _StartResponse()
        chunks = self.wsgi(environ, start_response)
        try:
            if isinstance(chunks, list) or getattr(chunks, "streaming", None) is False:
                return start_response.status, start_response.headers, b"".join(chunks)
            iterator = iter(chunks)
            first = next(iterator, None)
            transport = _on_loop(loop, _start_stream(protocol, start_response))
            # A client that stops reading makes each send wait (granian's backpressure): the
            # same deadline as for a request body bounds how long it holds this thread, then
            # the response is cut short.
            try:
                if first:
                    _on_loop(loop, _send(transport, first), self.body_seconds)
                for chunk in iterator:
                    if chunk:
                        _on_loop(loop, _send(transport, chunk), self.body_seconds)
            except TimeoutError:
                pass
            return None
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # Django's request_finished: closes this thread's database connection


def answer_before_the_loop(application: RSGIApplication) -> bool:
    """Have granian's scheduler thread answer what ``application.answer_at_once`` can (cached
    pages) instead of handing every request to the event loop; True if it could be arranged.

    granian (RSGI, Python ≥ 3.12) hands each request to the loop from a thread of its own that
    holds the GIL for it: it makes the application's coroutine and schedules it with
    ``call_soon_threadsafe``, and the loop then wakes, takes the GIL and runs it as a task. For a
    cached page that hand-over cost a quarter of the throughput of granian's WSGI interface,
    which calls the application in that same thread (docs/benchmarks.md, round 20). Here the
    scheduler thread answers the page itself, as WSGI did, and hands on everything else.
    Nothing it answers waits on a client or on an app thread, so a slow client still holds
    neither.

    The seam is granian's private ``granian._futures._cbsched_aioschedule`` (the factory of
    the per-worker scheduling function) and the ``scope`` and ``proto`` of the watcher it
    receives; tests/performance/test_rsgi_seams.py guards both, and without them the site
    still works, with every request going through the loop."""
    try:
        from granian import _futures
    except ImportError:
        return False
    make_schedule = getattr(_futures, "_cbsched_aioschedule", None)
    if make_schedule is None:
        return False
    make_schedule = getattr(make_schedule, "granian_original", make_schedule)
    failed: list[bool] = []

    def make_answering_schedule(loop: Any, context: Any, callback: Any) -> Callable[[Any], None]:
        schedule = make_schedule(loop, context, callback)

        def answer_or_schedule(watcher: Any) -> None:
            try:
                if application.answer_at_once(watcher.scope, watcher.proto):
                    return
            except Exception:  # the fast path is an optimisation: the loop still answers
                if not failed:  # said once: it would fail for every request
                    failed.append(True)
                    _logger.exception("cached pages are answered on the loop instead")
            schedule(watcher)

        return answer_or_schedule

    make_answering_schedule.granian_original = make_schedule  # type: ignore[attr-defined]
    _futures._cbsched_aioschedule = make_answering_schedule
    return True


async def _start_stream(protocol: Any, start_response: _StartResponse) -> Any:
    return protocol.response_stream(start_response.status, start_response.headers)


async def _send(transport: Any, chunk: bytes) -> None:
    # granian's send_bytes returns an awaitable of its own, not a coroutine, and
    # run_coroutine_threadsafe takes only coroutines.
    await transport.send_bytes(chunk)


def _on_loop[T](loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, T],
                timeout: float | None = None) -> T:
    future = asyncio.run_coroutine_threadsafe(coroutine, loop)
    try:
        return future.result(timeout)
    except TimeoutError:
        future.cancel()
        raise
