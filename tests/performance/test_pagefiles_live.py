"""Page files as an operator runs them: `undersigned serve` writes them, its scheduler deletes
them after a change made by another process, within the 5 seconds the product promises."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.livesite import Site

VISIBILITY_SECONDS = 5


@pytest.fixture
def site(tmp_path: Path):
    site = Site(tmp_path, free_port(), database_suffix="pagefiles",
                env={"UNDERSIGNED_PAGE_FILES": "1"})
    try:
        yield site
    finally:
        site.stop()
        site.drop()


def test_a_change_in_another_process_removes_the_page_file_within_five_seconds(site) -> None:
    slug, _pk = site.setup()
    site.start()
    url = f"/en/s/{slug}/"
    status, _location, body = site.request("GET", url)
    assert status == 200 and "Under fire" in body
    page = site.data_dir / "pages" / "en" / "s" / slug / "index.html"
    assert page.read_text() == body  # what nginx would serve is what the app answered

    # An editor's change from another process (as the admin or import-statement would make it).
    site.run("shell", "-c", (
        f"from statements.models import Statement; s = Statement.objects.get(slug='{slug}'); "
        "s.title = 'Still under fire'; s.save()"))
    changed = time.monotonic()
    while page.exists() and time.monotonic() - changed < VISIBILITY_SECONDS:
        time.sleep(0.1)
    assert not page.exists(), "the stale page file outlived the 5 seconds"
    status, _location, body = site.request("GET", url)
    assert status == 200 and "Still under fire" in body
    assert "Still under fire" in page.read_text()
