"""Crawling the public site as a visitor would: every link, form action and source reachable
from a set of start pages, on this site only (the privacy crawl and the HTML check share it)."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.test import Client

SKIP = ("/admin/", "/static/", "/media/")
MAX_PAGES = 600
LINK = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"'#]+)""", re.I)
MAIL_LINK = re.compile(r"https?://[^\s<>\"']+")


def own_path(url: str) -> str | None:
    """The path and query of ``url`` if it points at this site and is worth visiting."""
    parts = urlsplit(url)
    if parts.netloc and parts.netloc not in ("testserver", urlsplit(settings.BASE_URL).netloc):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if path.startswith("/") and not path.startswith(SKIP) else None


def links_in(base: str, body: str) -> list[str]:
    found = (own_path(urljoin(base, raw.replace("&amp;", "&"))) for raw in LINK.findall(body))
    return [path for path in found if path]


def links_in_mail(text: str) -> list[str]:
    found = (own_path(url.rstrip(".,;)")) for url in MAIL_LINK.findall(text))
    return [path for path in found if path]


def crawl(client: Client, start: list[str], *, limit: int = MAX_PAGES
          ) -> dict[str, tuple[int, str]]:
    """Each visited path → (status, headers, cookies and body as text)."""
    seen: dict[str, tuple[int, str]] = {}
    queue = deque(start)
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path)
        headers = "\n".join(f"{k}: {v}" for k, v in response.items())
        cookies = "\n".join(str(c) for c in response.cookies.values())
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        seen[path] = (response.status_code, headers + "\n" + cookies + "\n" + text)
        if response.status_code in (301, 302, 303, 307, 308):
            queue.append(urlsplit(response["Location"]).path or "/")
        if "html" in response.get("Content-Type", "") or "xml" in response.get("Content-Type", ""):
            queue.extend(links_in(path, text))
    return seen
