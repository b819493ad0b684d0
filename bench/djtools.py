"""In-process measurements for the benchmark (run with the data directory's environment).

python bench/djtools.py render SLUG N       median time of N uncached renders (whole Django stack)
python bench/djtools.py count TAG          sign-ons and comments the run stored (committed rows)
python bench/djtools.py export SLUG        CSV export of the statement: seconds and peak RSS
python bench/djtools.py enqueue-mail N     queue N confirmation mails at once (the worker renders and sends)
python bench/djtools.py queue              background tasks still waiting
python bench/djtools.py facts SLUG         published comments, and how many the discussion's first page holds
python bench/djtools.py check SLUG SIGNATURES COMMENTS
                                           the page rendered here holds what a scenario claims
                                           (COMMENTS "any": however many are published)
python bench/djtools.py comment-rate POSTS ROUNDS SLUG…
                                           comment POSTs in this process, paired across statements
python bench/djtools.py sharecard N        median time to draw a share image, N each of a Latin,
                                           an Arabic and a Quechua title (reach/sharecard.py)
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
import urllib.parse
from collections.abc import Callable
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


def facts(slug: str) -> dict[str, Any]:
    """What the database says the page of ``slug`` must show of its discussion."""
    import django

    django.setup()
    from comments import public
    from comments.models import Comment
    from statements.models import Statement

    statement = Statement.objects.get(slug=slug)
    roots, children, _more = public.thread_page(statement, 1, "oldest")
    return {"published": Comment.objects.filter(statement=statement).visible().count(),
            "first_page": len(roots) + sum(len(replies) for replies in children.values())}


def check(slug: str, signatures: int, comments: int | None) -> dict[str, Any]:
    """The page of ``slug`` rendered in this process (uncached), checked against the claim."""
    from bench import pagecheck
    from undersigned.wsgi import django_application

    captured: dict[str, str] = {}

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        captured["status"] = status

    body = b"".join(django_application(environ(f"/en/s/{slug}/"), start_response))
    if not captured["status"].startswith("200"):
        return {"ok": False, "problem": f"/en/s/{slug}/ answered {captured['status']}"}
    try:
        found = pagecheck.check(body, slug=slug, signatures=signatures, comments=comments,
                                **facts(slug))
    except pagecheck.PageCheckFailed as failure:
        return {"ok": False, "problem": str(failure)}
    return {"ok": True, "facts": found.describe()}


def comment_rate(posts: int, rounds: int, slugs: list[str]) -> dict[str, Any]:
    """Comment POSTs in this process, through the server's own entry point
    (``bench/wsgi_bench.py``: the public-form chain, every rate limit counted and none
    refusing), to statements whose discussions differ only in length.

    Why in process: on a shared two-core machine a wrk figure moves with everyone else's work;
    here one process posts one comment after another, and the statements take turns batch by
    batch (the order swapped every round), so both see the machine in the same state. Each
    batch's comments are deleted after it, so every batch starts from the thread it claims.
    Every third post is a reply to the discussion's first comment, as in the generated ones
    (a reply looks its parent up: that lookup once read the whole discussion on PostgreSQL).
    Besides the rate: the CPU time per post, and for one reply the queries it ran and what they
    read (``read_by``), which grows with every row a query visits."""
    import django

    django.setup()
    from django.db import connection

    from bench import wsgi_bench
    from comments.models import Comment
    from comments.public import FORM_PURPOSE
    from core import protection
    from statements.models import Statement

    statements = {slug: Statement.objects.get(slug=slug) for slug in slugs}
    published = {slug: Comment.objects.filter(statement=s).visible() for slug, s in
                 statements.items()}
    claimed = {slug: comments.count() for slug, comments in published.items()}
    first = {slug: comments.order_by("id").values_list("pk", flat=True).first()
             for slug, comments in published.items()}
    numbers = iter(range(1, 10**9))

    def post(statement: Statement, domain: str, reply: bool) -> None:
        number = next(numbers)
        # A token from a window that started long enough ago (the minimum fill time).
        token = protection.form_token(FORM_PURPOSE, statement.pk,
                                      now=time.time() - 2 * protection.MIN_FILL_SECONDS)
        fields = {"name": "Bench Commenter", "body": "Solidarity from the benchmark.",
                  "email": f"p{number}@{domain}", protection.TOKEN_FIELD: token}
        if reply and first[statement.slug] is not None:
            fields["parent"] = str(first[statement.slug])
        body = urllib.parse.urlencode(fields).encode()
        request = environ(f"/en/comments/{statement.pk}/")
        request.update({
            "REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_ORIGIN": "http://127.0.0.1:8000", "HTTP_SEC_FETCH_SITE": "same-origin",
            "HTTP_X_FORWARDED_FOR": f"10.{number // 62500 % 250}.{number // 250 % 250}."
                                    f"{number % 250 + 1}"})
        del request["HTTP_COOKIE"]
        captured: dict[str, str] = {}

        def start_response(status: str, headers: list, exc_info: object = None) -> None:
            captured["status"] = status

        b"".join(wsgi_bench.application(request, start_response))
        if not captured["status"].startswith("303"):
            raise SystemExit(f"a comment POST to {statement.slug} answered {captured['status']}")

    def reset(statement: Statement, domain: str) -> None:
        Comment.objects.filter(statement=statement, email__endswith=f"@{domain}").delete()
        now = published[statement.slug].count()
        if now != claimed[statement.slug]:
            raise SystemExit(f"{statement.slug} holds {now} comments, not "
                             f"{claimed[statement.slug]}")

    result: dict[str, dict[str, Any]] = {
        slug: {"comments": claimed[slug], "rates": [], "cpu_ms": []} for slug in slugs}
    for slug, statement in statements.items():  # warm: templates, statements, connections
        for number in range(21):
            post(statement, "warm.bench.example.org", reply=number % 3 == 2)
        queries, read = read_by(
            lambda statement=statement: post(statement, "warm.bench.example.org", reply=True))
        result[slug].update(queries=queries, read=read)
        reset(statement, "warm.bench.example.org")
    for round_number in range(rounds):
        order = slugs if round_number % 2 == 0 else slugs[::-1]
        for slug in order:
            statement, domain = statements[slug], f"r{round_number}.bench.example.org"
            started, cpu = time.perf_counter(), time.process_time()
            for number in range(posts):
                post(statement, domain, reply=number % 3 == 2)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            result[slug]["rates"].append(posts / elapsed)
            result[slug]["cpu_ms"].append(cpu / posts * 1000)
            reset(statement, domain)
    unit = "SQLite VM steps" if connection.vendor == "sqlite" else "pages read by its SELECTs"
    return {"posts": posts, "rounds": rounds, "vendor": connection.vendor, "read_unit": unit,
            "statements": result}


def work_of(request: Callable[[], Any], *, reads: Callable[[str], bool] = lambda sql: True
            ) -> tuple[Any, list[str], int]:
    """What ``request`` returned, the queries it ran and what they read: on SQLite the
    virtual machine's steps (every row a query visits is steps), on PostgreSQL the pages its
    SELECTs for which ``reads(sql)`` is true touch, from ``EXPLAIN (ANALYZE, BUFFERS)`` of each
    again (also used by tests/comments/test_post_cost.py)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    steps = [0]
    raw = connection.connection if connection.vendor == "sqlite" else None

    def step() -> int:
        steps[0] += 1
        return 0

    with CaptureQueriesContext(connection) as captured:
        if raw is not None:
            raw.set_progress_handler(step, 1)
        try:
            result = request()
        finally:
            if raw is not None:
                raw.set_progress_handler(None, 1)
    queries = [query["sql"] for query in captured.captured_queries]
    if raw is None:  # PostgreSQL: replay the reads (the rows they find are still there)
        with connection.cursor() as cursor:
            for sql in queries:
                if sql.lstrip().upper().startswith("SELECT") and reads(sql):
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
                    plan = cursor.fetchone()[0]
                    top = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
                    steps[0] += top["Shared Hit Blocks"] + top["Shared Read Blocks"]
    return result, queries, steps[0]


def read_by(request: Callable[[], Any]) -> tuple[int, int]:
    """How many queries ``request`` ran and what they read (``work_of``)."""
    _result, queries, read = work_of(request)
    return len(queries), read


# A long title in each script the share image draws (Arabic: shaped, right to left, with a
# Latin name inside).
SHARECARD_TITLES = {
    "en": "Stop the eviction of the Riverside community: a joint statement by tenants' "
          "unions, neighbourhood assemblies and the river keepers",
    "ar": "بيان مشترك: أوقفوا إخلاء سكان الحي فوراً — منظمة Amnesty International "
          "ونقابات المستأجرين تطالب بوقف الهدم",
    "qu": "Ñuqanchikpa allpanchikta amachasun: ch'aki mayu, q'ara pampa, k'ita wasikunapaq "
          "— jiwasanakax uñjapxañaniwa",
}


def sharecard(count: int) -> dict[str, Any]:
    """Draw (never from the cache) ``count`` images per script, each with another count, after
    one warm-up that loads the fonts: what the first request for an image costs."""
    import django

    django.setup()
    from django.utils import translation

    from reach.sharecard import Card, render

    translation.activate("en")
    issuers = ("Tenants' Union", "منظمة العفو الدولية", "Aymara Markanaka")
    render(Card(SHARECARD_TITLES["en"], "en", issuers, 1, "undersigned", "en"))
    timings: dict[str, list[float]] = {language: [] for language in SHARECARD_TITLES}
    largest = 0
    for index in range(count):
        for language, title in SHARECARD_TITLES.items():
            card = Card(title, language, issuers, 1000 + 100 * index, "undersigned", "en")
            started = time.perf_counter()
            png = render(card)
            timings[language].append((time.perf_counter() - started) * 1000)
            largest = max(largest, len(png))
    every = [t for per_language in timings.values() for t in per_language]
    return {"n": len(every), "median_ms": statistics.median(every),
            "p90_ms": statistics.quantiles(every, n=10)[-1] if len(every) > 1 else every[0],
            "per_language_ms": {language: statistics.median(values)
                                for language, values in timings.items()},
            "largest_bytes": largest}


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
    elif command == "facts":
        result = facts(args[0])
    elif command == "check":
        result = check(args[0], int(args[1]), None if args[2] == "any" else int(args[2]))
    elif command == "comment-rate":
        result = comment_rate(int(args[0]), int(args[1]), args[2:])
    elif command == "sharecard":
        result = sharecard(int(args[0]))
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
