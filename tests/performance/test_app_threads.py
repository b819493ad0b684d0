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
