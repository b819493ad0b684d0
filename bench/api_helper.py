"""The API's sign-on helper under load (docs/api-helper.md): ≥ 500 accepted calls per second on
SQLite, against a real `undersigned serve` (bench/run.py --only api).

wrk posts helper calls (bench/api_helper.lua), each with its own address, through a token with
the sign scope; *accepted* is what the database holds afterwards — the run's signatures plus any
sign-on still waiting in the intake, both committed rows — not wrk's answers. The server runs
bench/wsgi_bench.py, whose limits are counted but lifted, as for the form's posts.

In-process helpers, run with the data directory's environment (one line of JSON each):

    python bench/api_helper.py token SLUG    a sign token and the statement's petition id
    python bench/api_helper.py count TAG     the run's accepted helper calls
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import BENCH, App, Plan, RssSampler, run_json, say, wrk  # noqa: E402
from bench.report import Result, record  # noqa: E402
from bench.scenarios.posting import PostRun, median_run  # noqa: E402

SLUG = "api-helper"
SIGNATURES = 1000  # a statement already signed, as a partner's would be
TARGET = 500


def bench_api_helper(app: App, env: dict[str, str], plan: Plan) -> None:
    setup = run_json(["bench/api_helper.py", "token", SLUG], env, 120)
    path = f"/api/v1/petitions/{setup['petition']}/record_signature_helper"
    load = os.getloadavg()
    runs = []
    with RssSampler(app) as rss:
        for number in range(1, plan.post_runs + 1):
            tag = f"api{number}"
            say(f"sign-on helper POST, SQLite, {plan.post_seconds} s (run {number} of "
                f"{plan.post_runs})")
            result = wrk(app.url, plan.post_seconds, plan.connections,
                         [str(BENCH / "api_helper.lua"), path, setup["token"], tag])
            stored = run_json(["bench/api_helper.py", "count", tag], env, 120)["accepted"]
            runs.append(PostRun(stored / plan.post_seconds, stored, result["statuses"],
                                result["rps"]))
            say(f"  {stored / plan.post_seconds:,.1f}/s (answers {result['statuses']})")
    rate, run = median_run(runs)
    after = os.getloadavg()
    record(Result(
        "sign-on helper POST accepted (API), SQLite", rate, "/s",
        reference=f"median of {len(runs)} runs; that run: {run.stored:,} rows committed in "
        f"{plan.post_seconds} s, answers {run.statuses}, wrk {run.wrk_rps:,.0f} req/s; "
        f"load average before {load[0]:.2f}, after {after[0]:.2f}",
        target=f"≥ {TARGET}/s", ratio=f"{rate / TARGET:.2f} ×", met=rate >= TARGET,
        runs=[r.rate for r in runs]))
    for role, mb in sorted(rss.peaks.items()):
        record(Result(f"peak RSS under helper load, {role}", mb, "MB",
                      target="≤ 150 MB per process", met=mb <= 150))


# --- in process ------------------------------------------------------------------------------

def _token(slug: str) -> dict[str, Any]:
    from api.tokens import Scope, make_token
    from statements.models import Statement

    petition = Statement.objects.get(slug=slug).pk
    _row, text = make_token(name="bench partner", scopes={Scope.SIGN})
    return {"token": text, "petition": petition}


def _count(tag: str) -> dict[str, Any]:
    from django.db import transaction

    from signatures.models import Signature, SignOn

    suffix = f"-{tag}@bench.example.org"
    # One read transaction, signatures first: a sign-on applied between the two counts could
    # only be missed, never counted twice.
    with transaction.atomic():
        signatures = Signature.objects.filter(email__endswith=suffix,
                                              source=Signature.Source.API).count()
        waiting = SignOn.objects.filter(email__endswith=suffix).count()
    return {"accepted": signatures + waiting, "signatures": signatures, "intake": waiting}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
    import django

    django.setup()
    command, argument = sys.argv[1], sys.argv[2]
    result = _token(argument) if command == "token" else _count(argument)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
