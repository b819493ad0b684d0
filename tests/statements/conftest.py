"""Fixtures for the statements tests: editors and moderators, image files, import files."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from PIL import Image, ImageDraw

from core.roles import EDITOR, MODERATOR
from pages import store as pagecache


@pytest.fixture(autouse=True)
def _fresh_page_cache() -> Iterator[None]:
    """The whole-page cache stays on (pages are served as visitors get them); its per-process
    memory outlives Django's cache settings between tests, so each test starts it empty."""
    pagecache.clear_local()
    yield
    pagecache.clear_local()


def png_bytes(width: int = 1200, height: int = 800, colour: str = "#8a1c1c") -> bytes:
    image = Image.new("RGB", (width, height), "#fdfcf9")
    ImageDraw.Draw(image).ellipse([width // 4, height // 4, width // 2, height // 2], fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _staff(username: str, role: str) -> User:
    user = User.objects.create_user(username, password="not-used-here", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def editor(db) -> User:
    return _staff("edna", EDITOR)


@pytest.fixture
def moderator(db) -> User:
    return _staff("mo", MODERATOR)


@pytest.fixture
def editor_client(editor) -> Client:
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def moderator_client(moderator) -> Client:
    client = Client()
    client.force_login(moderator)
    return client


@pytest.fixture
def write_file(tmp_path) -> Callable[..., Path]:
    """Write a file under a fresh folder; text is dedented, bytes written as they are."""
    folder = tmp_path / "import"
    folder.mkdir()

    def write(name: str, content: str | bytes) -> Path:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        return path

    return write


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
