"""In-process measurements for the benchmark (run with the data directory's environment).

python bench/djtools.py render SLUG N       median time of N uncached renders (whole Django stack)
python bench/djtools.py count TAG          sign-ons and comments the run stored (committed rows)
python bench/djtools.py export SLUG        CSV export of the statement: seconds and peak RSS
python bench/djtools.py enqueue-mail N     queue N confirmation mails at once (the worker renders and sends)
python bench/djtools.py queue              background tasks still waiting
Each prints one line of JSON.
"""

from __future__ import annotations

import io
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def environ(path: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(), "wsgi.errors": io.StringIO(), "wsgi.version": (1, 0),
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        # Any cookie but csrftoken bypasses the page cache in both directions: a full render.
        "HTTP_COOKIE": "bench=uncached",
    }


def render(slug: str, count: int) -> dict[str, Any]:
    from undersigned.wsgi import django_application

    path = f"/en/s/{slug}/"
    timings = []
    size = 0
    status = ""
    for i in range(count + 3):
        captured: dict[str, str] = {}

        def start_response(s: str, headers: list, exc_info: object = None,
                           captured: dict[str, str] = captured) -> None:
            captured["status"] = s

        started = time.perf_counter()
        body = b"".join(django_application(environ(path), start_response))
        elapsed = time.perf_counter() - started
        status = captured["status"]
        size = len(body)
        if i >= 3:  # the first renders warm the template and connection
            timings.append(elapsed * 1000)
    timings.sort()
    return {"median_ms": statistics.median(timings),
            "p90_ms": timings[int(len(timings) * 0.9) - 1], "n": len(timings),
            "status": status, "bytes": size}


def count(tag: str) -> dict[str, Any]:
    import django

    django.setup()
    from signatures.models import Signature

    result = {"signatures": Signature.objects.filter(
        email__endswith=f"-{tag}@bench.example.org").count()}
    try:
        from comments.models import Comment

        result["comments"] = Comment.objects.filter(
            email__endswith=f"-{tag}@bench.example.org").count()
    except Exception as exc:  # comments may not exist yet
        result["comments_error"] = str(exc)
    return result


def export(slug: str) -> dict[str, Any]:
    import django

    django.setup()
    from signatures import exports
    from statements.models import Statement

    statement = Statement.objects.get(slug=slug)
    baseline = rss_mb()
    started = time.perf_counter()
    response = exports.export_response(statement, None, with_emails=True)
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")  # chunks hold many rows; no cell here has a newline
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": lines - 1, "bytes": size, "baseline_rss_mb": baseline,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def enqueue_mail(count: int) -> dict[str, Any]:
    """Queue ``count`` confirmation mails at once, as a burst of sign-ons would: that many
    sign-ons in the intake, applied as the app applies them (signatures and their mails' task
    rows; the worker renders)."""
    import django

    django.setup()
    from django.utils import timezone

    from signatures import intake
    from signatures.models import SignOn
    from statements.models import Statement

    statement = Statement.objects.public().order_by("pk").first()
    stamp = int(time.time())
    started = time.perf_counter()
    SignOn.objects.bulk_create(
        SignOn(statement=statement, kind="individual", name=f"Mail {i}", language="en",
               email=f"mail{i}-{stamp}@bench.example.org", received_at=timezone.now())
        for i in range(count))
    intake.apply_pending()
    return {"queued": count, "seconds": time.perf_counter() - started}


def queue() -> dict[str, Any]:
    import django

    django.setup()
    from django_tasks_db.models import DBTaskResult

    return {"waiting": DBTaskResult.objects.filter(status="READY").count()}


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "render":
        result = render(args[0], int(args[1]))
    elif command == "count":
        result = count(args[0])
    elif command == "export":
        result = export(args[0])
    elif command == "enqueue-mail":
        result = enqueue_mail(int(args[0]))
    elif command == "queue":
        result = queue()
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
