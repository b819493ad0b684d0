"""A paced client: POSTs sent at a fixed rate, whatever the server's speed, each one timed.

wrk sends as fast as the server answers (closed loop), which measures throughput; a viral day
is the other way round — sign-ons and comments arrive at their own pace while readers take
whatever is left — and what a signer notices is how long their answer takes. This client opens
``connections`` keep-alive connections and sends request *n* at ``start + n / rate`` on the
next free one (a new connection when all are busy, so a slow answer never delays the next
send). Latency is measured from the moment the request was due, not the moment it left: a
client that fell behind counts its lag against the server (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class PacedResult:
    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # seconds, from the due time
    errors: int = 0  # connections refused, reset or timed out
    error_kinds: dict[str, int] = field(default_factory=dict)  # the same, by exception
    late_sends: int = 0  # requests that left more than 10 ms after they were due

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    request: bytes) -> int:
    """Send one request and read its whole answer; the status code."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def _paced(url: str, rate: float, seconds: float, make_request: Callable[[int], bytes],
                 connections: int, timeout: float) -> PacedResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    result = PacedResult()
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    for _ in range(connections):
        idle.append(await asyncio.open_connection(host, port))

    async def connection() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        # As a browser does before it reuses a kept-alive connection: one the server has
        # closed meanwhile (granian closes a connection idle for 30 s) is not used again.
        while idle:
            pair = idle.pop()
            if not pair[0].at_eof():
                return pair
            pair[1].close()
        return await asyncio.open_connection(host, port)

    async def send(number: int, due: float) -> None:
        pair = await connection()
        if time.perf_counter() - due > 0.010:
            result.late_sends += 1
        try:
            status = await asyncio.wait_for(_exchange(*pair, make_request(number)), timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
            result.errors += 1
            kind = type(error).__name__
            result.error_kinds[kind] = result.error_kinds.get(kind, 0) + 1
            pair[1].close()
            return
        result.latencies.append(time.perf_counter() - due)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        idle.append(pair)

    start = time.perf_counter() + 0.05
    total = int(rate * seconds)
    tasks = []
    for number in range(total):
        due = start + number / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(number, due)))
        result.sent += 1
    await asyncio.gather(*tasks)
    for _reader, writer in idle:
        writer.close()
    return result


def form_post(host: str, path: str, body: str, headers: dict[str, str]) -> bytes:
    """A urlencoded form POST as raw HTTP/1.1 bytes (keep-alive)."""
    encoded = body.encode()
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}",
             "Content-Type: application/x-www-form-urlencoded",
             f"Content-Length: {len(encoded)}", "Connection: keep-alive",
             *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + encoded


def run_paced(url: str, rate: float, seconds: float, make_request: Callable[[int], bytes], *,
              connections: int = 16, timeout: float = 10.0) -> PacedResult:
    """Send ``rate`` requests a second for ``seconds`` (see the module's docstring)."""
    return asyncio.run(_paced(url, rate, seconds, make_request, connections, timeout))


async def run_together(*runs: tuple[str, float, float, Callable[[int], bytes]],
                       connections: int = 16, timeout: float = 10.0) -> list[PacedResult]:
    """Several paced streams at once, in one event loop (sign-ons and comments)."""
    return list(await asyncio.gather(*(
        _paced(url, rate, seconds, make, connections, timeout)
        for url, rate, seconds, make in runs)))


def run_apart(*runs: tuple[str, float, float, Callable[[int], bytes]], timeout: float = 10.0
              ) -> list[PacedResult]:
    """``run_together`` in a process of its own (forked: the prepared requests are already in
    its memory). The benchmark's own process also runs the SMTP server that takes every
    confirmation mail, and sharing its GIL made the client read answers late — time the app
    did not spend."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)

    def child() -> None:
        sending.send(asyncio.run(run_together(*runs, timeout=timeout)))
        sending.close()

    process = context.Process(target=child, daemon=True)
    process.start()
    sending.close()
    results = receiving.recv()
    process.join()
    return results
