"""The configuration as an operator meets it through the ``undersigned`` command: which data
directory a command uses wherever it is run from, and links that point at the port served."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.livesite import Site
from undersigned import config

UNDERSIGNED = str(Path(sys.executable).with_name("undersigned"))
CHECKOUT = Path(__file__).resolve().parents[1]
SECRET = "config-test-secret-key-that-is-long-enough-for-django-1234567890"


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``undersigned ARGS`` in ``cwd`` with none of the test run's settings but ``env``: on
    SQLite, whatever database the tests use."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("UNDERSIGNED_")
             and k != "PORT"}
    clean.update(UNDERSIGNED_SECRET_KEY=SECRET, **env)
    return subprocess.run([UNDERSIGNED, *args], cwd=cwd, env=clean, capture_output=True,
                          text=True, timeout=120)


def test_a_command_run_from_another_folder_uses_the_checkout_data_not_a_new_one(tmp_path):
    """Run from another folder, the command used to create ``./data`` there: a second, empty
    site. It now uses the checkout's data directory and says so."""
    result = run(["check"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "data").exists()
    assert f"data directory {CHECKOUT / 'data'} (the default" in result.stderr


def test_the_data_directory_set_in_the_environment_is_named_too(tmp_path):
    result = run(["check"], cwd=tmp_path, UNDERSIGNED_DATA_DIR="chosen")
    assert result.returncode == 0, result.stderr
    assert f"data directory {tmp_path / 'chosen'} (UNDERSIGNED_DATA_DIR)" in result.stderr


def test_an_installed_package_keeps_its_data_in_the_user_data_folder(tmp_path):
    installed = tmp_path / "site-packages"  # no pyproject.toml: not a checkout
    installed.mkdir()
    assert config.default_data_dir(installed, {"XDG_DATA_HOME": "/srv/xdg"}) == Path(
        "/srv/xdg/undersigned")
    assert config.default_data_dir(installed, {}) == Path.home() / ".local/share/undersigned"
    assert config.default_data_dir(CHECKOUT, {}) == CHECKOUT / "data"


def test_links_follow_the_port_served_when_no_base_url_is_set(tmp_path, monkeypatch):
    monkeypatch.delenv("UNDERSIGNED_BASE_URL", raising=False)
    monkeypatch.setenv("UNDERSIGNED_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PORT", "8101")
    assert config.load().base_url == "http://127.0.0.1:8101"
    monkeypatch.setenv("UNDERSIGNED_BASE_URL", "https://letters.example.org/")
    assert config.load().base_url == "https://letters.example.org"


@pytest.mark.parametrize("zone", ["Nowhere/Atlantis", "../etc/passwd", "utc+2"])
def test_an_unknown_time_zone_is_refused_at_start(tmp_path, monkeypatch, zone):
    monkeypatch.setenv("UNDERSIGNED_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("UNDERSIGNED_TIME_ZONE", zone)
    with pytest.raises(ValueError, match="is not a time zone name"):
        config.load()


def test_the_time_zone_is_the_sites(tmp_path, monkeypatch):
    monkeypatch.setenv("UNDERSIGNED_DATA_DIR", str(tmp_path))
    assert config.load().time_zone == "UTC"
    monkeypatch.setenv("UNDERSIGNED_TIME_ZONE", "America/Santiago")
    assert config.load().time_zone == "America/Santiago"


MODERATOR_AND_HELD_COMMENT = """
from django.contrib.auth import get_user_model
from comments.models import Comment
from statements.models import Statement
get_user_model().objects.create_superuser("boss", "boss@example.org", "x")
Comment.objects.create(statement=Statement.objects.get(), name="Ana", body="Hello",
                       status=Comment.Status.HELD)
"""


def test_links_printed_and_mailed_by_commands_use_the_port_served(tmp_path):
    """After ``PORT=8101 make run``, ``import-statement`` printed and ``comments_digest``
    mailed links to port 8000."""
    env = {"PORT": "8101", "UNDERSIGNED_DATA_DIR": str(tmp_path / "data"),
           "UNDERSIGNED_EMAIL_URL": f"file:{tmp_path / 'mail'}"}
    assert run(["migrate", "-v0"], tmp_path, **env).returncode == 0
    (tmp_path / "s.md").write_text("---\ntitle: Water\nslug: water\nstatus: published\n---\n"
                                   "Text\n", encoding="utf-8")
    imported = run(["import-statement", "s.md"], tmp_path, **env)
    assert imported.stdout.strip() == "http://127.0.0.1:8101/en/s/water/", imported.stderr

    made = run(["shell", "-c", MODERATOR_AND_HELD_COMMENT], tmp_path, **env)
    assert made.returncode == 0, made.stderr
    assert run(["comments_digest"], tmp_path, **env).returncode == 0
    delivered = run(["db_worker", "--batch", "--queue-name", "*", "--no-reload",
                     "--no-startup-delay"], tmp_path, **env)
    assert delivered.returncode == 0, delivered.stderr
    [mail] = (tmp_path / "mail").iterdir()
    text = mail.read_text()
    assert "http://127.0.0.1:8101/admin/" in text and ":8000" not in text


def test_make_run_says_where_the_admin_is_and_how_to_make_the_first_account(tmp_path):
    """Before the server starts, ``make run`` names the admin's address (on the port served)
    and the command that creates the first account. The commands it runs are recorded by a
    stand-in ``undersigned`` so that the test serves nothing."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".installed").touch()
    log = tmp_path / "commands"
    stand_in = venv / "bin" / "undersigned"
    stand_in.write_text(f'#!/bin/sh\necho "undersigned $*" >> {log}\necho "ran: $*"\n')
    stand_in.chmod(0o755)
    # Newer than what `setup` depends on: make installs nothing.
    newest = max(os.path.getmtime(CHECKOUT / name)
                 for name in ("pyproject.toml", "uv.lock", "scripts/find-python"))
    os.utime(venv / ".installed", (newest + 1, newest + 1))
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNDERSIGNED_")}
    result = subprocess.run(["make", "--no-print-directory", "-s", "run", f"VENV={venv}",
                             "PORT=8101"], cwd=CHECKOUT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "The admin: http://127.0.0.1:8101/admin/" in out
    assert f"{venv}/bin/undersigned createsuperuser" in out
    assert out.index("createsuperuser") < out.index("ran: serve")
    assert log.read_text().splitlines()[-1] == "undersigned serve --host 127.0.0.1 --port 8101"


def test_commands_in_another_terminal_link_to_the_port_the_site_is_served_on(tmp_path):
    """``PORT=8101 make run`` in one terminal, then ``undersigned import-statement`` in another
    (no PORT there): the printed link used to say 8000. ``serve`` notes where it serves."""
    site = Site(tmp_path, smtp_port=free_port(), database_suffix="served",
                env={"UNDERSIGNED_BASE_URL": ""})
    try:
        site.setup()
        site.start()
        (tmp_path / "s.md").write_text("---\ntitle: Water\nslug: water\nstatus: published\n---\n"
                                       "Text\n", encoding="utf-8")
        imported = run(["import-statement", "s.md"], tmp_path,
                       UNDERSIGNED_DATA_DIR=str(site.data_dir),
                       UNDERSIGNED_DATABASE_URL=site.env["UNDERSIGNED_DATABASE_URL"])
        assert imported.stdout.strip() == f"http://127.0.0.1:{site.port}/en/s/water/", \
            imported.stderr
        # Said outright, the base URL wins over the note.
        told = run(["shell", "-c", "from django.conf import settings; print(settings.BASE_URL)"],
                   tmp_path, UNDERSIGNED_DATA_DIR=str(site.data_dir),
                   UNDERSIGNED_BASE_URL="https://letters.example")
        assert told.stdout.strip().splitlines()[-1] == "https://letters.example", told.stderr
    finally:
        site.stop()
        site.drop()
