"""Load for `make bench`'s search scenario: CONNECTIONS keep-alive connections, each searching
the signatory list without pause for SECONDS, in a process of its own (so that the thread that
times the sign-ons in bench/run.py does not share an interpreter lock with this load).

Usage: python bench/search_load.py BASE_URL SLUG CONNECTIONS SECONDS
Prints one JSON line: requests, statuses, and the median and p90 latency in ms.
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import sys
import threading
import time
import urllib.parse


def search_path(slug: str, rng: random.Random) -> str:
    """A search for a name prefix as a person would type it: "person 0", "person 04", … up to
    the seven digits of one name (bench/generate.py names people "Person 0000000" on)."""
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 6)))
    kind = "organisation" if rng.random() < 0.1 else "individual"
    prefix = "Organisation 0" if kind == "organisation" else "Person 0"
    query = urllib.parse.urlencode({"kind": kind, "q": prefix + digits})
    return f"/en/signatories/{slug}/?{query}"


def worker(host: str, port: int, slug: str, deadline: float, seed: int,
           statuses: dict[int, int], latencies: list[float], lock: threading.Lock) -> None:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection(host, port, timeout=30)
    mine: dict[int, int] = {}
    times: list[float] = []
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            # A distinct address per connection, as many visitors would be (the app trusts
            # X-Forwarded-For in the benchmark, as behind nginx).
            connection.request("GET", search_path(slug, rng),
                               headers={"X-Forwarded-For": f"10.9.{seed // 250}.{seed % 250 + 1}"})
            response = connection.getresponse()
            response.read()
            mine[response.status] = mine.get(response.status, 0) + 1
        except (OSError, http.client.HTTPException):
            mine[0] = mine.get(0, 0) + 1
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=30)
            continue
        times.append((time.perf_counter() - started) * 1000)
    connection.close()
    with lock:
        for status, count in mine.items():
            statuses[status] = statuses.get(status, 0) + count
        latencies.extend(times)


def main() -> None:
    base, slug, connections, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    parts = urllib.parse.urlsplit(base)
    deadline = time.monotonic() + seconds
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=worker, args=(parts.hostname, parts.port, slug, deadline,
                                                     n, statuses, latencies, lock))
               for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    print(json.dumps({
        "requests": len(latencies), "statuses": statuses,
        "median_ms": statistics.median(latencies) if latencies else None,
        "p90_ms": latencies[int(len(latencies) * 0.9)] if latencies else None,
    }))


if __name__ == "__main__":
    main()
