"""Public pages as files that nginx serves by itself (``deploy/nginx/undersigned.conf``).

Behind nginx, a page from the one-second micro-cache still costs nginx opening and parsing a
cache file for every request: 0.66 × a static file, measured. With ``UNDERSIGNED_PAGE_FILES=1``
every page the page cache stores for an anonymous GET without a query string is also written to
``<data dir>/pages/<path>index.html`` (and ``.gz``), which nginx serves like a static file, from
its open-file cache, with the app's headers written into its configuration.

A file lives while its page is current. ``sweep()``, run every second by ``undersigned
scheduler`` (started by ``serve``), deletes the files whose generations changed (see
``pages.store``) or that are older than the page cache's TTL; nginx re-checks the files it
holds open every second (``open_file_cache_valid 1s``). So a visible change still reaches
readers within the 5 seconds promised. Each page's generations sit beside it in ``.deps``
(written first: a page file is never without them).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from core.generations import current_generations
from pages import store

# Only plain ASCII path segments: what nginx's $uri and this file name agree on without doubt.
_SERVABLE_PATH = re.compile(r"^(?:/[A-Za-z0-9_~-][A-Za-z0-9_.~-]*)+/$")
PAGE_NAME = "index.html"
SUFFIXES = ("", ".gz", ".deps")


def enabled() -> bool:
    return bool(settings.UNDERSIGNED.get("PAGE_FILES"))


def root() -> Path:
    return Path(settings.UNDERSIGNED["PAGE_FILES_ROOT"])


def file_for(url_path: str) -> Path | None:
    """Where the page of ``url_path`` is written, or None for paths nginx is not asked about."""
    if not _SERVABLE_PATH.match(url_path):  # no segment may start with a dot: no "..", no "."
        return None
    return root() / url_path.strip("/") / PAGE_NAME


def _write_atomically(path: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)  # nginx's workers read it
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _served_as_nginx_would(entry: store.Entry) -> bool:
    """nginx serves a page file as HTML with the headers of an ordinary page, which forbid
    framing (deploy/nginx/undersigned.conf): a feed, a badge, or an embed that partner sites
    frame (core.framing) must come from the app, with its own headers."""
    headers = {name.lower(): value for name, value in entry.headers}
    return (headers.get("content-type", "").startswith("text/html")
            and headers.get("x-frame-options", "").upper() == "DENY")


def write(environ: dict[str, Any], entry: store.Entry) -> Path | None:
    """Write the page a visitor without cookies gets for this URL, if nginx may serve it."""
    if not enabled() or entry.status != 200 or entry.vary_language:
        return None
    if not _served_as_nginx_would(entry):
        return None
    if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
        return None
    path = file_for(environ.get("PATH_INFO", ""))
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    deps = {"dependencies": list(entry.dependencies), "generations": list(entry.generations),
            "stored_at": entry.stored_at}
    _write_atomically(path.with_name(PAGE_NAME + ".deps"), json.dumps(deps).encode())
    if entry.gzipped is not None:
        _write_atomically(path.with_name(PAGE_NAME + ".gz"), entry.gzipped)
    _write_atomically(path, entry.body)
    return path


def _remove(page: Path) -> None:
    for suffix in SUFFIXES:
        page.with_name(PAGE_NAME + suffix).unlink(missing_ok=True)


def sweep(now: float | None = None) -> int:
    """Delete page files that are no longer current; returns how many pages went.

    With page files switched off, every file left from before goes."""
    base = root()
    if not base.is_dir():
        return 0
    if not enabled():
        removed = sum(1 for _ in base.rglob(PAGE_NAME))
        shutil.rmtree(base, ignore_errors=True)
        return removed
    now = time.time() if now is None else now
    pages: list[tuple[Path, dict[str, Any] | None]] = []
    for deps_file in base.rglob(PAGE_NAME + ".deps"):
        try:
            pages.append((deps_file.with_name(PAGE_NAME), json.loads(deps_file.read_bytes())))
        except (OSError, ValueError):
            pages.append((deps_file.with_name(PAGE_NAME), None))
    keys = sorted({key for _page, deps in pages if deps for key in deps["dependencies"]})
    current = dict(zip(keys, current_generations(tuple(keys), fresh=True), strict=True))
    removed = 0
    for page, deps in pages:
        stale = (deps is None or now - float(deps["stored_at"]) > store.PAGE_TTL_SECONDS
                 or [current[key] for key in deps["dependencies"]] != deps["generations"])
        if stale:
            _remove(page)
            removed += 1
    return removed
