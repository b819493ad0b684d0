"""The page store: whole public pages, kept until what they show changes.

A cached page is the final response (after every middleware) of an anonymous GET to a view
marked ``@cached_page`` (``pages.decorators``), stored with the generations
(``core.generations``) it depends on, read *before* it was rendered: a change committed during
the render therefore always makes the entry stale, never freezes old content under a new token.
Which generations a page depends on is said by the app that owns its data (for the statements'
pages: ``statements.pages``); this app knows only keys and tokens.

* Two layers: a small per-process memory (a hit costs a dict lookup, no Django, no I/O) that
  re-reads the shared generations at most every ``GENERATION_CHECK_SECONDS``; behind it the shared
  cache, so one render serves every process (and every server, with Redis).
* Visibility: ``GENERATION_CHECK_SECONDS`` (1 s), plus nginx's micro-cache (``s-maxage=1``), plus
  the time to render: well inside the 5 seconds the product promises.
* ``undersigned.rsgi`` (and ``undersigned.wsgi``) answer hits through ``lookup`` before Django's
  handler is even entered; ``pages.middleware`` (first in MIDDLEWARE) answers hits for other
  entry points and stores misses; ``pages.files`` writes the pages nginx serves by itself.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from core.generations import current_generations, forget_local, on_forget_local, shared_cache

PAGE_KEY_PREFIX = "pagecache:page:"

# Pages also change with time alone (a signing deadline passes, the form token's window moves):
# nothing is served older than this even when no generation changed.
PAGE_TTL_SECONDS = 60
# Per-process memory bound for the local layer (raw + gzip bytes of every entry).
LOCAL_MAX_BYTES = 24 * 1024 * 1024
# What browsers and nginx may do with a public page: nginx keeps it one second (its micro-cache),
# browsers revalidate every time (a cheap 304 thanks to the ETag).
PUBLIC_CACHE_CONTROL = "public, max-age=0, s-maxage=1"
# Cookies that never change what a public page looks like. Any other cookie (the session of an
# editor, a commenter's "remember me") means the page may be personal: no cache at all.
HARMLESS_COOKIES = frozenset({"csrftoken"})
# Never looked up: served by whitenoise/nginx, or private by nature.
SKIP_PREFIXES = ("/static/", "/media/", "/admin/", "/healthz")
GZIP_MIN_BYTES = 512
# Every query parameter a cached page can depend on: the union over the cached views (the
# signatory list reads kind, order, after, before, page and q; a statement page's discussion reads
# order and cpage; a statement's history reads from and to). Any other parameter (utm_source,
# fbclid, a random string) is left out of the key, so a campaign link is answered with the page
# for the parameters that matter, and a made-up one adds nothing to the cache. Which of these a
# page really used its view says with ``declare_query``; a page is stored only where the
# request's parameters are exactly that (``storable_query``).
QUERY_PARAMETERS = frozenset({"kind", "order", "after", "before", "page", "q", "cpage",
                              "from", "to"})
# Where a view's declaration waits in the request's environ until the page cache reads it.
QUERY_DECLARATION = "undersigned.page_query"
# Headers the cache computes itself for each answer.
_OWN_HEADERS = frozenset({"content-length", "content-encoding", "etag", "cache-control", "vary",
                          "set-cookie", "x-page-cache"})


# --- requests -----------------------------------------------------------------------------

def _cookie_names(header: str) -> set[str]:
    return {part.split("=", 1)[0].strip() for part in header.split(";") if part.strip()}


def request_is_cacheable(environ: dict[str, Any]) -> bool:
    """An anonymous GET/HEAD of a page that could be public; editors and forms never are."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return False
    path = environ.get("PATH_INFO", "")
    if path.startswith(SKIP_PREFIXES) or "HTTP_AUTHORIZATION" in environ:
        return False
    cookie = environ.get("HTTP_COOKIE")
    return not cookie or _cookie_names(cookie) <= HARMLESS_COOKIES


def _canonical(values: Iterable[tuple[str, str]]) -> str:
    """The known parameters' last values (what ``QueryDict.get`` reads), empty ones dropped
    (every view treats them as absent), in one order and one spelling."""
    last = {name: value for name, value in values if name in QUERY_PARAMETERS}
    return urlencode(sorted((name, value) for name, value in last.items() if value))


def page_query(query_string: str) -> str:
    """The part of a query string that can change a cached page (see QUERY_PARAMETERS)."""
    if not query_string:
        return ""
    return _canonical(parse_qsl(query_string, keep_blank_values=True))


def declare_query(environ: dict[str, Any], **values: str) -> None:
    """Called by a cached view: its page depends on exactly these parameters, with these values
    (as its own links spell them; empty for a default). A view that declares nothing reads none."""
    environ[QUERY_DECLARATION] = _canonical(values.items())


def storable_query(environ: dict[str, Any]) -> bool:
    """Whether the page just rendered may be stored under this request's key: only when the
    request's known parameters are the ones its view declared. ``?cpage=abc`` (read as page 1)
    or ``?order=x`` on a page that reads none is answered, never stored: made-up values cannot
    fill the cache either."""
    return page_query(environ.get("QUERY_STRING", "")) == environ.get(QUERY_DECLARATION, "")


def cache_key(environ: dict[str, Any], vary_value: str = "") -> str:
    """One key per scheme, host, path and known query parameters (see QUERY_PARAMETERS), and
    Accept-Language for negotiated pages."""
    raw = "\n".join((
        environ.get("HTTP_X_FORWARDED_PROTO", "") or environ.get("wsgi.url_scheme", "http"),
        environ.get("HTTP_HOST", "") or environ.get("SERVER_NAME", ""),
        environ.get("PATH_INFO", ""),
        page_query(environ.get("QUERY_STRING", "")),
        vary_value,
    ))
    return PAGE_KEY_PREFIX + hashlib.blake2b(raw.encode("utf-8", "surrogateescape"),
                                             digest_size=20).hexdigest()


def accepts_gzip(environ: dict[str, Any]) -> bool:
    return "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")


def _accept_language(environ: dict[str, Any]) -> str:
    return environ.get("HTTP_ACCEPT_LANGUAGE", "").replace(" ", "").lower()[:200]


# --- entries ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """A public page as every anonymous visitor receives it."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    gzipped: bytes | None
    etag: str
    dependencies: tuple[str, ...]
    generations: tuple[str, ...]
    stored_at: float  # wall clock: shared by every process
    vary_language: bool

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")

    def answer(self, environ: dict[str, Any]) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """Status, reason, headers and body for this request (encoding and validators)."""
        gzipped = self.gzipped if self.gzipped is not None and accepts_gzip(environ) else None
        use_gzip = gzipped is not None
        etag = f'"{self.etag}-gz"' if use_gzip else f'"{self.etag}"'
        vary = "Accept-Encoding, Accept-Language" if self.vary_language else "Accept-Encoding"
        headers = [*self.headers, ("Cache-Control", PUBLIC_CACHE_CONTROL), ("Vary", vary),
                   ("ETag", etag)]
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match and self.status == 200 and etag in if_none_match:
            return 304, "Not Modified", headers, b""
        body = gzipped if gzipped is not None else self.body
        if use_gzip:
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Content-Length", str(len(body))))
        if environ.get("REQUEST_METHOD") == "HEAD":
            body = b""
        return self.status, self.reason, headers, body


def make_entry(status: int, reason: str, headers: Iterable[tuple[str, str]], body: bytes,
               dependencies: tuple[str, ...], generations: tuple[str, ...],
               vary_language: bool) -> Entry:
    kept = tuple((k, v) for k, v in headers if k.lower() not in _OWN_HEADERS)
    # mtime=0: the same page compresses to the same bytes in every process.
    gzipped = gzip.compress(body, 6, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
    return Entry(status=status, reason=reason, headers=kept, body=body, gzipped=gzipped,
                 etag=hashlib.blake2b(body, digest_size=12).hexdigest(),
                 dependencies=dependencies, generations=generations, stored_at=time.time(),
                 vary_language=vary_language)


class _LocalPages:
    """Least-recently-used pages of this process, bounded in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        if entry.size > self.max_bytes // 4:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self.entries[key] = entry
            self.bytes += entry.size
            while self.bytes > self.max_bytes and self.entries:
                _key, evicted = self.entries.popitem(last=False)
                self.bytes -= evicted.size

    def discard(self, key: str) -> None:
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.bytes = 0


_local_pages = _LocalPages(LOCAL_MAX_BYTES)
# Negotiated pages (e.g. "/" by Accept-Language) are found through a marker at the plain key.
_VARY_MARKER = "vary:accept-language"


def _fresh(entry: Entry) -> bool:
    if time.time() - entry.stored_at > PAGE_TTL_SECONDS:
        return False
    return current_generations(entry.dependencies) == entry.generations


def lookup(environ: dict[str, Any], *, stale_ok: bool = False, claim: bool = True
           ) -> Entry | None:
    """The cached page for this request if it is still current, else None.

    With ``stale_ok`` (the hit path before Django while the app threads are busy:
    ``pages.serving``), a page that changed is still answered while it is young or while this
    process renders it again (``_answer_stale``); a request that finds it stale and nobody
    rendering it claims the render and gets None — unless ``claim`` is False: then it only
    gets None."""
    if not request_is_cacheable(environ):
        return None
    key = cache_key(environ)
    entry, fresh = _find(key, stale_ok)
    if entry == _VARY_MARKER:
        key = cache_key(environ, _accept_language(environ))
        entry, fresh = _find(key, stale_ok)
    if not isinstance(entry, Entry):
        return None
    if fresh or (stale_ok and (_answer_stale(key, entry, environ) if claim
                               else _may_answer_stale(key, entry))):
        return entry
    return None


def _find(key: str, stale_ok: bool = False) -> tuple[Entry | str | None, bool]:
    """What the cache holds under ``key``, and whether it is current. A stale page is kept
    (the hit path may still answer it); a current one wins over it. With ``stale_ok``, a
    stale copy of this process that may be answered as it is (``_may_answer_stale``) is, without
    reading the shared cache: under load, that read (and unpickling a whole page) was most of
    the event loop's work."""
    stale: Entry | None = None
    entry = _local_pages.get(key)
    if entry is not None:
        if _fresh(entry):
            return entry, True
        if stale_ok and _may_answer_stale(key, entry):
            return entry, False
        stale = entry
    shared = shared_cache().get(key)
    if isinstance(shared, Entry):
        if _fresh(shared):
            _local_pages.put(key, shared)
            return shared, True
        if stale is None or shared.stored_at > stale.stored_at:
            stale = shared
    if shared == _VARY_MARKER:
        return shared, True
    return stale, False


# --- pages that changed, under load ---------------------------------------------------------
# On a viral day the statement page changes many times a second (each comment, each batch of
# sign-ons), and every change made the next reader wait for a render (15–20 ms) in the app
# thread, behind every other reader: readers fell to a tenth of their speed and the posts
# waited behind the renders (docs/benchmarks.md, "Viral day"). So the hit path answers a page
# that changed as it was
# * for REFRESH_SECONDS after it was rendered, and then
# * while one request of this process renders it again: the first that finds it stale claims
#   the render (``CLAIMED`` in its environ, released by the middleware when the page is
#   stored or the render fails); a claim older than CLAIM_SECONDS is taken for abandoned.
# This happens only on the hit path and only while the app threads have work (under load: an
# idle server renders a changed page at once, as before). A page then shows a change at most
# REFRESH_SECONDS + a render later in this process, and each page is rendered at most once
# per REFRESH_SECONDS per process however fast it changes. Within the promise of five seconds:
# one second of nginx's micro-cache, one of generation checks, one here.
REFRESH_SECONDS = 1.0
CLAIM_SECONDS = 2.0
CLAIMED = "undersigned.page_claimed"
_MAX_CLAIMS = 1024
_claims: dict[str, float] = {}
_claims_lock = threading.Lock()


def _may_answer_stale(key: str, entry: Entry) -> bool:
    """Whether a stale page may be answered as it is now: it is young, or this process is
    rendering it again."""
    if time.time() - entry.stored_at < REFRESH_SECONDS:
        return True
    claimed = _claims.get(key)
    return claimed is not None and time.monotonic() - claimed < CLAIM_SECONDS


def _answer_stale(key: str, entry: Entry, environ: dict[str, Any]) -> bool:
    """``_may_answer_stale``, or else claim the render for this request (False). Asked under
    the lock, so that of two threads finding the page stale at once only one claims it."""
    with _claims_lock:
        if _may_answer_stale(key, entry):
            return True
        if len(_claims) >= _MAX_CLAIMS:
            _claims.clear()  # abandoned claims only: live ones are few and short
        _claims[key] = time.monotonic()
    environ[CLAIMED] = key
    return False


def release_claim(environ: dict[str, Any]) -> None:
    """The claimed render of this request is over (stored, or not storable after all)."""
    key = environ.pop(CLAIMED, None)
    if key is not None:
        with _claims_lock:
            _claims.pop(key, None)


def store(environ: dict[str, Any], entry: Entry) -> None:
    if entry.vary_language:
        shared_cache().set(cache_key(environ), _VARY_MARKER, timeout=PAGE_TTL_SECONDS)
        key = cache_key(environ, _accept_language(environ))
    else:
        key = cache_key(environ)
    shared_cache().set(key, entry, timeout=PAGE_TTL_SECONDS)
    _local_pages.put(key, entry)


def clear_local() -> None:
    """Forget this process's pages and generations (tests; the shared cache stays the truth)."""
    forget_local()


on_forget_local(_local_pages.clear)
on_forget_local(_claims.clear)
