"""``undersigned restore FILE``: bring back a backup written by ``undersigned backup``.

Refuses to overwrite a database that holds data unless ``--force`` is given (a database that
``migrate`` alone filled counts as empty). Checks every file against the manifest's checksums
before touching anything, and the row counts after. Stop the server (or at least the writers)
while restoring.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any, TextIO, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ops.management.commands.backup import (
    BOOKKEEPING_TABLES,
    FORMAT,
    PG_NAME,
    SQLITE_NAME,
    Progress,
    check_pg_tool,
    pg_env_and_args,
    sha256,
    table_counts,
)


def holds_data() -> bool:
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor)) - BOOKKEEPING_TABLES
        for table in sorted(tables):
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone():
                return True
    return False


def read_archive(source: Path, work_dir: Path) -> dict[str, Any]:
    if not source.is_file():
        raise CommandError(f"{source} does not exist")
    try:
        with tarfile.open(source, "r:*") as archive:
            # The "data" filter refuses absolute paths, "..", links out of the tree and devices.
            archive.extractall(work_dir, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise CommandError(f"{source} is not a readable backup: {exc}") from exc
    try:
        manifest = json.loads((work_dir / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise CommandError(f"{source} has no valid manifest") from exc
    if manifest.get("format") != FORMAT:
        raise CommandError(f"{source} is not an undersigned backup")
    db = manifest["database"]
    if sha256(work_dir / db["file"]) != db["sha256"]:
        raise CommandError("the database in the archive does not match its checksum")
    for entry in manifest["media"]:
        path = work_dir / "media" / entry["path"]
        if not path.is_file() or sha256(path) != entry["sha256"]:
            raise CommandError(f"media file {entry['path']} is missing or damaged")
    return manifest


def restore_sqlite(db_file: Path, progress_stream: TextIO, tty: bool | None) -> None:
    connection.ensure_connection()
    target: sqlite3.Connection = connection.connection
    source = sqlite3.connect(db_file)
    bar: Progress | None = None

    def report(status: int, remaining: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = Progress(progress_stream, "database", total, tty)
        bar.update(total - remaining)

    try:
        # The backup API replaces the whole content of the live database in one step.
        source.backup(target, pages=512, progress=report)
    finally:
        source.close()
    if bar is not None:
        bar.done()


def restore_postgresql(db_file: Path, progress_stream: TextIO, tty: bool | None) -> None:
    check_pg_tool("pg_restore")
    env, args = pg_env_and_args()
    connection.close()
    bar = Progress(progress_stream, "database", 1, tty)
    bar.update(0, force=True)
    result = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner",
                             "--no-privileges", "--single-transaction", "--exit-on-error",
                             *args, str(db_file)], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
    bar.done()


def restore_media(work_dir: Path, manifest: dict[str, Any], progress_stream: TextIO,
                  tty: bool | None) -> None:
    root = Path(settings.MEDIA_ROOT)
    bar = Progress(progress_stream, "media", sum(e["size"] for e in manifest["media"]), tty)
    copied = 0
    for entry in manifest["media"]:
        target = root / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work_dir / "media" / entry["path"], target)
        copied += entry["size"]
        bar.update(copied)
    bar.done()


def restore_backup(source: Path, *, force: bool = False, progress_stream: TextIO = sys.stderr,
                   tty: bool | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="undersigned-restore-") as work:
        work_dir = Path(work)
        manifest = read_archive(source, work_dir)
        kind = manifest["database"]["vendor"]
        if kind != connection.vendor:
            raise CommandError(f"this backup is of a {kind} database; the configured database "
                               f"is {connection.vendor}")
        if holds_data() and not force:
            raise CommandError("the database already holds data; restoring would replace it. "
                               "Run again with --force to replace it.")
        if kind == "sqlite":
            restore_sqlite(work_dir / SQLITE_NAME, progress_stream, tty)
        else:
            if connection.in_atomic_block:
                raise CommandError("cannot restore PostgreSQL inside a transaction")
            restore_postgresql(work_dir / PG_NAME, progress_stream, tty)
        restore_media(work_dir, manifest, progress_stream, tty)
        counts = table_counts(connection)
        expected = manifest["database"]["tables"]
        wrong = {t: (n, counts.get(t)) for t, n in expected.items() if counts.get(t) != n}
        if wrong:
            raise CommandError(f"restored row counts differ from the backup: {wrong}")
    return manifest


class Command(BaseCommand):
    help = "Restore the database and media from an archive written by `undersigned backup`."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--force", action="store_true",
                            help="replace a database that already holds data")

    def handle(self, *args: Any, **options: Any) -> None:
        manifest = restore_backup(Path(options["file"]), force=options["force"],
                                  progress_stream=cast(TextIO, self.stderr._out))
        self.stdout.write(self.style.SUCCESS(
            f"Restored the backup of {manifest['created_at']}: "
            f"{sum(manifest['database']['tables'].values())} rows, "
            f"{len(manifest['media'])} media files."))
