"""Before a scenario times anything, the page it measures is read and compared with what it
claims (bench/pagecheck.py): as the app serves it, or as Django renders it in process where no
server runs."""

from __future__ import annotations

from bench import pagecheck
from bench.harness import App, http_get, run_json, say


def verify_page(page: bytes, env: dict[str, str], slug: str, signatures: int,
                comments: int | None) -> pagecheck.PageFacts:
    facts = pagecheck.check(page, slug=slug, signatures=signatures, comments=comments,
                            **run_json(["bench/djtools.py", "facts", slug], env, 300))
    say(f"  checked /en/s/{slug}/: {facts.describe()}")
    return facts


def verify_served(app: App, env: dict[str, str], slug: str, signatures: int,
                  comments: int | None) -> tuple[bytes, pagecheck.PageFacts]:
    """The page as the app serves it to everyone (the page cache's copy when it has one)."""
    status, _, page = http_get(f"{app.url}/en/s/{slug}/")
    if status != 200:
        raise pagecheck.PageCheckFailed(f"/en/s/{slug}/ answered {status}")
    return page, verify_page(page, env, slug, signatures, comments)


def verify_rendered(env: dict[str, str], slug: str, signatures: int,
                    comments: int | None) -> str:
    """The page as Django renders it in process, for the scenarios that run no server."""
    result = run_json(["bench/djtools.py", "check", slug, str(signatures),
                       "any" if comments is None else str(comments)], env, 300)
    if not result["ok"]:
        raise pagecheck.PageCheckFailed(result["problem"])
    say(f"  checked /en/s/{slug}/ (rendered in process): {result['facts']}")
    return result["facts"]
