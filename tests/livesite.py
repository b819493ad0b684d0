"""A real `undersigned serve` in a throwaway data directory (and its own PostgreSQL database on
the PostgreSQL run), for the tests that need the processes as an operator runs them."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from tests.conftest import free_port

UNDERSIGNED = str(Path(sys.executable).with_name("undersigned"))
SECRET = "fault-test-secret-key-that-is-long-enough-for-django-1234567890"


def own_database_url(suffix: str) -> str:
    """SQLite in the throwaway data dir; on the PostgreSQL run, a database of its own next to
    the test database (created fresh, dropped afterwards), named after the test's suffix and
    its xdist worker: two live sites on two workers must never drop each other's database."""
    url = os.environ.get("UNDERSIGNED_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return ""
    parts = urllib.parse.urlsplit(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    name = "_".join(filter(None, (parts.path.lstrip("/"), suffix, worker)))
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def recreate_postgres(url: str, *, drop_only: bool = False) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    name = parts.path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


class Site:
    def __init__(self, tmp_path: Path, smtp_port: int, *, database_suffix: str = "fault",
                 env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.data_dir = tmp_path / "data"
        self.log = (tmp_path / "server.log").open("ab")
        self.env = {**os.environ, "UNDERSIGNED_DATA_DIR": str(self.data_dir),
                    "UNDERSIGNED_DATABASE_URL": own_database_url(database_suffix),
                    "UNDERSIGNED_SECRET_KEY": SECRET,
                    "UNDERSIGNED_EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
                    "UNDERSIGNED_BASE_URL": f"http://127.0.0.1:{self.port}",
                    "UNDERSIGNED_TRUST_X_FORWARDED_FOR": "1", "UNDERSIGNED_DEBUG": "",
                    **(env or {})}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.group: int | None = None

    def run(self, *args: str) -> str:
        return subprocess.run([UNDERSIGNED, *args], env=self.env, check=True, capture_output=True,
                              text=True, timeout=300).stdout

    def setup(self) -> tuple[str, int]:
        if self.env["UNDERSIGNED_DATABASE_URL"]:
            recreate_postgres(self.env["UNDERSIGNED_DATABASE_URL"])
        self.run("migrate", "--no-input")
        self.run("collectstatic", "--no-input")
        out = self.run("shell", "-c", (
            "from statements.models import Statement; from django.utils import timezone; "
            "s = Statement.objects.create(slug='under-fire', title='Under fire', body='Hold on.', "
            "status='published', published_at=timezone.now(), signature_moderation='none', "
            "comment_moderation='none'); print(s.pk)"))
        return "under-fire", int(out.strip().splitlines()[-1])

    def start(self) -> None:
        # One process group holding the server pair and the scheduler (started beside it, as
        # an operator would), so that one SIGKILL takes them all down at once.
        command = (f"{UNDERSIGNED} scheduler --interval 1 --stale-after 3 & "
                   f"exec {UNDERSIGNED} serve --host 127.0.0.1 --port {self.port} --workers 2 "
                   f"--no-collectstatic")
        server = subprocess.Popen(["/bin/sh", "-c", command], env=self.env, stdout=self.log,
                                  stderr=self.log, start_new_session=True)
        self.group = server.pid
        deadline = time.monotonic() + 120  # a loaded CI machine starts slowly
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("the server did not start: " + self.log.name)

    def kill(self) -> None:
        if self.group is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.group, signal.SIGKILL)
            time.sleep(0.5)

    def stop(self) -> None:
        if self.group is not None:
            try:
                os.killpg(self.group, signal.SIGTERM)
                time.sleep(2)
                os.killpg(self.group, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def request(self, method: str, path: str, form: dict | None = None,
                ip: str = "127.0.0.1") -> tuple[int, str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            body = urllib.parse.urlencode(form) if form else None
            headers = {"X-Forwarded-For": ip, "Sec-Fetch-Site": "same-origin"}
            if body:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheader("Location") or "", response.read().decode()
        finally:
            connection.close()

    def query(self, sql: str) -> list[tuple]:
        url = self.env["UNDERSIGNED_DATABASE_URL"]
        if url:
            import psycopg

            with psycopg.connect(url) as connection:
                return list(connection.execute(sql))
        with contextlib.closing(sqlite3.connect(self.data_dir / "undersigned.sqlite3",
                                                timeout=30)) as connection:
            return list(connection.execute(sql))

    def drop(self) -> None:
        if self.env["UNDERSIGNED_DATABASE_URL"]:
            recreate_postgres(self.env["UNDERSIGNED_DATABASE_URL"], drop_only=True)


