"""What the POST scenarios share: wrk runs counted by tag, and the sign-on form's body."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from bench.harness import BENCH, App, Plan, find_form, http_get, run_json, say, wrk


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
