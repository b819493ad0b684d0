"""`undersigned backup` / `undersigned restore`: a round trip loses nothing (SQLite and
PostgreSQL: the suite runs on both), and restore refuses to overwrite data by accident."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from core import audit
from ops.management.commands.backup import Progress, write_backup
from ops.management.commands.restore import restore_backup
from tests.conftest import make_statement
from tests.privacy.conftest import make_comment, make_signature

pytestmark = pytest.mark.django_db(transaction=True)


def everything() -> str:
    out = io.StringIO()
    call_command("dumpdata", "--natural-foreign", "--exclude", "sessions", stdout=out)
    return out.getvalue()


def seed(media_root: Path) -> None:
    statement = make_statement(body="Water is life. ¡Agua es vida! ✊🏾")
    make_signature(statement, "ana@example.org", name="Ana Ñandú")
    make_signature(statement, "bo@example.org", name="Bo", status="unconfirmed")
    parent = make_comment(statement, "cy@example.org", body="First")
    make_comment(statement, "di@example.org", body="Reply", parent=parent)
    audit.record("system", "statement.published", statement)
    (media_root / "images" / "ab").mkdir(parents=True)
    (media_root / "images" / "ab" / "photo.webp").write_bytes(bytes(range(256)) * 100)


def test_round_trip_loses_nothing(settings, tmp_path: Path) -> None:
    media_root = Path(settings.MEDIA_ROOT)
    seed(media_root)
    before = everything()
    archive = tmp_path / "site.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    assert archive.stat().st_mode & 0o077 == 0  # holds addresses: readable by the owner only

    call_command("flush", interactive=False, verbosity=0)
    (media_root / "images" / "ab" / "photo.webp").unlink()
    assert everything() != before

    out = io.StringIO()
    call_command("restore", str(archive), stdout=out, stderr=io.StringIO())
    assert "Restored" in out.getvalue()
    assert everything() == before
    assert (media_root / "images" / "ab" / "photo.webp").read_bytes() == bytes(range(256)) * 100


def test_restore_refuses_to_overwrite_data_without_force(settings, tmp_path: Path) -> None:
    seed(Path(settings.MEDIA_ROOT))
    archive = tmp_path / "site.tar"
    write_backup(archive, progress_stream=io.StringIO())
    make_statement("added-later", title="Added later")
    with pytest.raises(CommandError, match="--force"):
        restore_backup(archive, progress_stream=io.StringIO())
    assert "Added later" in everything()
    restore_backup(archive, force=True, progress_stream=io.StringIO())
    assert "Added later" not in everything()


def test_manifest_describes_the_archive(settings, tmp_path: Path) -> None:
    seed(Path(settings.MEDIA_ROOT))
    archive = tmp_path / "site.tar"
    write_backup(archive, progress_stream=io.StringIO())
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "manifest.json"
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["database"]["file"] in names
    assert manifest["database"]["tables"]["signatures_signature"] == 2
    assert [m["path"] for m in manifest["media"]] == ["images/ab/photo.webp"]


def test_damaged_or_foreign_archives_are_refused(tmp_path: Path) -> None:
    make_statement()
    archive = tmp_path / "site.tar"
    write_backup(archive, progress_stream=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)
    # A media file whose bytes do not match the manifest.
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("database"):
                data = data[:-10] + b"0" * 10
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    with pytest.raises(CommandError, match="checksum"):
        restore_backup(damaged, progress_stream=io.StringIO())
    # Path traversal in a hostile archive.
    hostile = tmp_path / "hostile.tar"
    with tarfile.open(hostile, "w") as tar:
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(CommandError):
        restore_backup(hostile, progress_stream=io.StringIO())
    assert not (tmp_path.parent / "escaped.txt").exists()
    not_a_tar = tmp_path / "junk.tar"
    not_a_tar.write_bytes(b"junk")
    with pytest.raises(CommandError):
        restore_backup(not_a_tar, progress_stream=io.StringIO())


def test_progress_bar_only_on_a_terminal() -> None:
    quiet, loud = io.StringIO(), io.StringIO()
    Progress(quiet, "media", 10).update(5, force=True)
    bar = Progress(loud, "media", 10, enabled=True)
    bar.update(5, force=True)
    bar.done()
    assert quiet.getvalue() == ""
    assert "50%" in loud.getvalue() and "100%" in loud.getvalue()


def test_sqlite_backup_of_a_live_file_database_is_consistent(tmp_path: Path) -> None:
    """`undersigned backup` on a file database while another process writes without pause:
    it finishes, and the snapshot holds whole transactions only (each writes two rows)."""
    import os
    import sqlite3
    import subprocess
    import sys
    import tarfile as tar_module
    import time

    undersigned = str(Path(sys.executable).with_name("undersigned"))
    env = {**os.environ, "UNDERSIGNED_DATA_DIR": str(tmp_path / "data"),
           "UNDERSIGNED_DATABASE_URL": "", "UNDERSIGNED_SECRET_KEY": "x" * 50}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([undersigned, "migrate", "--no-input"], env=env, check=True, capture_output=True)
    writer = subprocess.Popen([undersigned, "shell", "-c", (
        "import itertools\n"
        "from django.db import transaction\n"
        "from core import audit\n"
        "from statements.models import Organisation\n"
        "for i in itertools.count():\n"
        "    with transaction.atomic():\n"
        "        o = Organisation.objects.create(name=f'Org {i}', slug=f'org-{i}', description='x' * 2000)\n"
        "        audit.record('system', 'pair', o)\n")], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        time.sleep(4)
        archive = tmp_path / "live.tar"
        subprocess.run([undersigned, "backup", str(archive)], env=env, check=True,
                       capture_output=True, timeout=120)
    finally:
        writer.kill()
        writer.wait()
    with tar_module.open(archive) as tar:
        tar.extract("database.sqlite3", tmp_path, filter="data")
    with sqlite3.connect(tmp_path / "database.sqlite3") as db:
        organisations = db.execute("SELECT COUNT(*) FROM statements_organisation").fetchone()[0]
        pairs = db.execute("SELECT COUNT(*) FROM core_auditentry WHERE action = 'pair'").fetchone()[0]
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert organisations > 0
    assert organisations == pairs
