"""A bare `undersigned serve` survives clients that send a request body slowly or never.

Before, granian's WSGI interface read the body inside the app thread (one per process): two
connections that sent their headers and then a byte of body now and then froze every page,
cached pages and /healthz included, for as long as they liked (issue 14). Now the body is
received on each app process's event loop with a total deadline (core/rsgi.py), and cached pages
are answered before the loop, by the thread granian hands requests over from.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
from pathlib import Path

from tests.conftest import free_port
from tests.livesite import Site

SLOW_CLIENTS = 50
BODY_SECONDS = 10  # the site's deadline for a whole body (UNDERSIGNED_REQUEST_BODY_SECONDS)
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def _get(port: int, path: str) -> int:
    """One GET that must be answered within 3 s (the socket timeout raises otherwise): a frozen
    site answers nothing for the whole body deadline; a busy machine may take a second."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


class SlowClient:
    """Sends a sign-on's headers announcing a body, then a byte now and then (``trickle``) or
    nothing at all; records what the server answers, and when."""

    def __init__(self, port: int, slug: str, *, trickle: bool) -> None:
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.socket.sendall(
            f"POST /en/sign/{slug}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n"
            "Sec-Fetch-Site: same-origin\r\n\r\n".encode())
        self.trickle = trickle
        self.started = time.monotonic()
        self.answer = b""
        self.reset = False
        self.closed_after: float | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.socket.settimeout(0.7)
        try:
            while time.monotonic() - self.started < BODY_SECONDS + 20:
                if self.trickle:
                    self.socket.sendall(b"a")
                try:
                    data = self.socket.recv(4096)
                except TimeoutError:
                    continue
                if not data:
                    break
                self.answer += data
        except OSError:
            # A byte sent after the server closed draws a reset, which may discard its unread
            # answer: for a trickling client, being cut off is the outcome that counts.
            self.reset = True
        finally:
            self.closed_after = time.monotonic() - self.started
            self.socket.close()


def test_slow_request_bodies_do_not_freeze_a_bare_serve(tmp_path: Path) -> None:
    site = Site(tmp_path, free_port(), database_suffix="slowbody",
                env={"UNDERSIGNED_REQUEST_BODY_SECONDS": str(BODY_SECONDS)})
    try:
        slug, _ = site.setup()
        site.start()
        page = f"/en/s/{slug}/"
        status, _, html = site.request("GET", page)  # rendered, and stored in the page cache
        assert status == 200
        token = TOKEN.search(html.partition('id="comment-form"')[0]).group(1)

        # A streamed response (a static file sent in blocks, as the CSV export is) arrives
        # whole: its blocks are sent from the app thread through the event loop.
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', html).group(1)
        connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
        connection.request("GET", stylesheet)
        response = connection.getresponse()
        css = response.read()
        connection.close()
        assert response.status == 200
        assert len(css) == int(response.headers["Content-Length"]) > 4096

        # A body larger than any form or upload is refused at once, without waiting for it.
        with socket.create_connection(("127.0.0.1", site.port), timeout=5) as connection:
            connection.sendall(
                f"POST /en/sign/{slug}/ HTTP/1.1\r\nHost: 127.0.0.1:{site.port}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {20 * 1024 * 1024 + 1}\r\n\r\n".encode())
            assert connection.recv(4096).startswith(b"HTTP/1.1 413 ")

        clients = [SlowClient(site.port, slug, trickle=n % 2 == 0) for n in range(SLOW_CLIENTS)]
        time.sleep(0.5)  # every one of them is past its headers, waiting on its body
        # While they hold their connections, the site answers as if they were not there.
        probes = 0
        while time.monotonic() - clients[0].started < BODY_SECONDS - 2:
            assert _get(site.port, "/healthz") == 200
            assert _get(site.port, page) == 200
            probes += 1
            time.sleep(0.4)
        assert probes >= 2  # at least 7 s of probing, each round at most 6.4 s
        assert all(client.closed_after is None for client in clients), "cut before the deadline"

        # A visitor signs meanwhile (the token is now older than the minimum fill time).
        status, location, _ = site.request("POST", f"/en/sign/{slug}/", {
            "kind": "individual", "name": "Ana Quick", "country": "Chile",
            "email": "ana.quick@example.org", "show_name": "on", "form_token": token})
        assert (status, "/sent/" in location) == (303, True)

        # Past the deadline, each slow client is told 408 and its connection is closed.
        for client in clients:
            client.thread.join(timeout=BODY_SECONDS + 25)
            assert client.closed_after is not None
            assert BODY_SECONDS - 1 < client.closed_after < BODY_SECONDS + 15, "not cut off"
            if client.trickle and client.reset:
                assert b"HTTP/1.1 408 ".startswith(client.answer[:13]), client.answer[:80]
            else:
                assert client.answer.startswith(b"HTTP/1.1 408 "), client.answer[:80]
        # One statement, one snapshot: the sign-on is in the intake or already a signature.
        assert site.query("SELECT (SELECT COUNT(*) FROM signatures_signature)"
                          " + (SELECT COUNT(*) FROM signatures_signon)") == [(1,)]
    finally:
        site.stop()
        site.drop()



class _Headers:
    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items

    def items(self) -> list[tuple[str, str]]:
        return self._items


class _Scope:
    method, path, query_string, scheme = "POST", "/es/s/café/", "a=1", "http"
    server, client, http_version = "127.0.0.1:8000", "203.0.113.9:5555", "1.1"
    headers = _Headers([("host", "example.org"), ("content-length", "12"),
                        ("content-type", "application/x-www-form-urlencoded"),
                        ("x-forwarded-for", "198.51.100.1"), ("x_forwarded_for", "10.0.0.1"),
                        ("cookie", "a=1"), ("cookie", "b=2")])


def test_django_sees_the_request_as_granians_wsgi_interface_described_it() -> None:
    from core.rsgi import environ_from

    environ = environ_from(_Scope())
    assert environ["PATH_INFO"].encode("latin-1").decode() == "/es/s/café/"
    assert (environ["REQUEST_METHOD"], environ["QUERY_STRING"]) == ("POST", "a=1")
    assert (environ["CONTENT_LENGTH"], environ["HTTP_HOST"]) == ("12", "example.org")
    assert environ["REMOTE_ADDR"] == "203.0.113.9"
    # A look-alike with underscores must not pass for the proxy's X-Forwarded-For.
    assert environ["HTTP_X_FORWARDED_FOR"] == "198.51.100.1"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
