"""Fixtures for the page-cache tests: requests through the real WSGI entry point."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core import signals
from django.db import close_old_connections

from pages import store as pagecache


@pytest.fixture(autouse=True)
def _fresh_page_cache() -> Iterator[None]:
    # The per-process layer outlives Django's cache settings between tests: start empty.
    pagecache.clear_local()
    yield
    pagecache.clear_local()


@dataclass
class WsgiResponse:
    status: int
    headers: dict[str, str]
    header_list: list[tuple[str, str]]
    body: bytes


def wsgi_request(path: str, *, method: str = "GET", query: str = "", body: bytes = b"",
                 headers: dict[str, str] | None = None, full_chain: bool = False
                 ) -> WsgiResponse:
    """One request through ``undersigned.wsgi.application``, as granian would make it (with
    ``full_chain``, through Django's handler with every middleware instead)."""
    from undersigned import wsgi

    application = wsgi.django_application if full_chain else wsgi.application

    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False, "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
    captured: dict = {}

    def start_response(status: str, header_list: list, exc_info: object = None) -> None:
        captured["status"] = int(status.split(" ", 1)[0])
        captured["headers"] = header_list

    # As Django's test client does: the handler must not close the test's database connection
    # (it would, at the end of each request, inside a test transaction on PostgreSQL).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        chunks = application(environ, start_response)
        try:
            content = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return WsgiResponse(captured["status"], {k.lower(): v for k, v in captured["headers"]},
                        list(captured["headers"]), content)


@pytest.fixture
def wsgi():
    return wsgi_request
