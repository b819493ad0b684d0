"""``undersigned backup FILE``: one archive with a consistent snapshot of the database and the
uploaded media, taken while the site runs.

SQLite is copied with its online backup API (a consistent snapshot even while others write);
PostgreSQL with ``pg_dump`` (one transaction, so consistent too). The database is snapshotted
first (SQLite: in one step, see snapshot_sqlite) and the media copied after: media files have
content-hashed names and are written before any row refers to them, so every file the snapshot
refers to exists when it is copied.

The archive is a tar file (gzip-compressed when FILE ends in .gz or .tgz) holding
``manifest.json``, the database (``database.sqlite3`` or ``database.pgdump``) and ``media/``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Literal, TextIO, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

FORMAT = "undersigned-backup"
FORMAT_VERSION = 1
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.pgdump"
# Django's bookkeeping, filled by ``migrate`` alone: a database holding only these is "empty".
BOOKKEEPING_TABLES = {"django_migrations", "django_content_type", "auth_permission", "auth_group",
                      "auth_group_permissions"}


class Progress:
    """A one-line progress bar on a terminal; silent otherwise (logs stay clean)."""

    def __init__(self, stream: TextIO, label: str, total: int, enabled: bool | None = None) -> None:
        self.stream, self.label, self.total = stream, label, max(total, 1)
        self.enabled = stream.isatty() if enabled is None else enabled
        self.last = 0.0

    def update(self, done: int, *, force: bool = False) -> None:
        if not self.enabled or (not force and time.monotonic() - self.last < 0.1):
            return
        self.last = time.monotonic()
        fraction = min(done / self.total, 1.0)
        bar = "#" * int(fraction * 30)
        self.stream.write(f"\r{self.label:<10} [{bar:<30}] {fraction:4.0%}")
        self.stream.flush()

    def done(self) -> None:
        self.update(self.total, force=True)
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def vendor() -> str:
    return connection.vendor


def pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    s = connection.settings_dict
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if s.get(key):
            args += [flag, str(s[key])]
    return env, [*args, "--dbname", s["NAME"]]


def check_pg_tool(tool: str) -> None:
    """The client tool must exist and be at least the server's major version (pg_dump cannot
    dump a newer server; pg_restore cannot read a newer dump)."""
    path = shutil.which(tool)
    if path is None:
        raise CommandError(f"{tool} is not installed; install the PostgreSQL client tools "
                           f"(Debian: apt install postgresql-client).")
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.(\d+))?", out)
    tool_major = int(match.group(1)) if match else 0
    connection.ensure_connection()
    server_major = connection.get_database_version()[0]  # PostgreSQL: divmod(pg_version, 10000)
    if tool_major < server_major:
        raise CommandError(f"{tool} is version {tool_major} but the server is {server_major}: "
                           f"install the client tools of version {server_major} or newer.")


def _sqlite_file() -> str | None:
    """The database file, or None for an in-memory database (the test suite's)."""
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        return None
    return name


def snapshot_sqlite(target: Path, progress_stream: TextIO, tty: bool | None) -> None:
    """Copy the whole database in ONE backup step: that step reads inside one read transaction,
    so the copy is one consistent state, and in WAL mode it does not block the writers. (A backup
    in many small steps restarts whenever another process writes, and under a steady stream of
    sign-ons would never finish.) The bar follows the copy's size from another thread."""
    path = _sqlite_file()
    if path is None:
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination, pages=-1)
        finally:
            destination.close()
        return
    errors: list[BaseException] = []

    def copy() -> None:
        try:
            source = sqlite3.connect(path, timeout=60)
            destination = sqlite3.connect(target)
            try:
                source.backup(destination, pages=-1)
                destination.execute("PRAGMA journal_mode=DELETE")
            finally:
                destination.close()
                source.close()
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)

    with contextlib.closing(sqlite3.connect(path, timeout=60)) as probe:
        total = probe.execute("PRAGMA page_count").fetchone()[0] * \
            probe.execute("PRAGMA page_size").fetchone()[0]
    bar = Progress(progress_stream, "database", total, tty)
    worker = threading.Thread(target=copy, name="sqlite-backup")
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
        bar.update(target.stat().st_size if target.exists() else 0)
    if errors:
        raise CommandError(f"the SQLite backup failed: {errors[0]}")
    bar.done()


def snapshot_postgresql(target: Path, progress_stream: TextIO, tty: bool | None) -> None:
    check_pg_tool("pg_dump")
    env, args = pg_env_and_args()
    bar = Progress(progress_stream, "database", 1, tty)
    bar.update(0, force=True)
    result = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                             "--file", str(target), *args], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
    bar.done()


def table_counts(cursor_source: Any) -> dict[str, int]:
    """Rows per table, for the manifest and to check a restore against it."""
    counts = {}
    with cursor_source.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_backup(destination: Path, *, progress_stream: TextIO = sys.stderr,
                 tty: bool | None = None) -> dict[str, Any]:
    destination = destination.resolve()
    mode: Literal["w:gz", "w"] = "w:gz" if destination.suffix in (".gz", ".tgz") else "w"
    with tempfile.TemporaryDirectory(prefix="undersigned-backup-") as work:
        work_dir = Path(work)
        db_kind = vendor()
        if db_kind == "sqlite":
            db_file = work_dir / SQLITE_NAME
            snapshot_sqlite(db_file, progress_stream, tty)
        elif db_kind == "postgresql":
            db_file = work_dir / PG_NAME
            snapshot_postgresql(db_file, progress_stream, tty)
        else:
            raise CommandError(f"backups of {db_kind} databases are not supported")
        counts = table_counts(connection)
        root = Path(settings.MEDIA_ROOT)
        files = media_files()
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "database": {"vendor": db_kind, "file": db_file.name, "sha256": sha256(db_file),
                         "tables": counts},
            "media": [{"path": str(p.relative_to(root)), "size": p.stat().st_size,
                       "sha256": sha256(p)} for p in files],
        }
        partial = destination.with_name(destination.name + ".partial")
        with tarfile.open(partial, mode) as archive:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
            archive.addfile(info, io.BytesIO(data))
            archive.add(db_file, arcname=db_file.name)
            bar = Progress(progress_stream, "media", sum(f["size"] for f in manifest["media"]), tty)
            copied = 0
            for path in files:
                archive.add(path, arcname=f"media/{path.relative_to(root)}")
                copied += path.stat().st_size
                bar.update(copied)
            bar.done()
        partial.chmod(0o600)  # it holds every address we keep
        partial.replace(destination)  # never a half-written archive under the final name
    return manifest


class Command(BaseCommand):
    help = "Write a consistent snapshot of the database and media into one archive file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="archive to write (.tar, or .tar.gz to compress)")

    def handle(self, *args: Any, **options: Any) -> None:
        manifest = write_backup(Path(options["file"]), progress_stream=cast(TextIO, self.stderr._out))
        rows = sum(manifest["database"]["tables"].values())
        self.stdout.write(self.style.SUCCESS(
            f"Backup written to {options['file']}: {rows} rows in "
            f"{len(manifest['database']['tables'])} tables, {len(manifest['media'])} media files."))
