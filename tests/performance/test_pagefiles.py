"""Page files: public pages written for nginx to serve itself, and deleted when they go stale.

Requests go through ``undersigned.wsgi.application`` as in production; the sweep is the one the
scheduler runs twice a second.
"""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import pytest

from pages import files as pagefiles
from pages import store as pagecache
from statements.models import Statement
from statements.pages import statement_dependencies
from tests.conftest import make_statement

from .conftest import wsgi_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pages_root(settings, tmp_path) -> Path:
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "PAGE_FILES": True,
                            "PAGE_FILES_ROOT": tmp_path / "pages"}
    return tmp_path / "pages"


@pytest.fixture
def statement() -> Statement:
    return make_statement(slug="viral", title="Original title")


def page_file(root: Path, url: str) -> Path:
    return root / url.strip("/") / "index.html"


def test_the_page_a_visitor_gets_is_written_byte_for_byte(pages_root, statement) -> None:
    response = wsgi_request("/en/s/viral/")
    assert response.status == 200
    written = page_file(pages_root, "/en/s/viral/")
    assert written.read_bytes() == response.body
    assert gzip.decompress(written.with_name("index.html.gz").read_bytes()) == response.body
    deps = json.loads(written.with_name("index.html.deps").read_text())
    assert deps["dependencies"] == list(statement_dependencies(statement.pk))
    assert written.stat().st_mode & 0o044 == 0o044  # nginx's workers may read it
    # The home page and the signatories list are files too; Spanish pages under /es/.
    wsgi_request("/es/s/viral/")
    assert "Original title" in page_file(pages_root, "/es/s/viral/").read_text()


@pytest.mark.parametrize("request_kwargs", [
    {"query": "order=alpha"},                       # nginx serves files for bare URLs only
    {"headers": {"Cookie": "sessionid=editor"}},    # maybe personal: never a file
    {"method": "HEAD"},                             # written only from a whole GET
])
def test_no_file_for_what_nginx_must_not_serve_from_one(pages_root, statement,
                                                        request_kwargs) -> None:
    assert wsgi_request("/en/s/viral/", **request_kwargs).status == 200
    assert not page_file(pages_root, "/en/s/viral/").exists()


def test_no_file_for_drafts_missing_pages_or_the_negotiated_root(pages_root) -> None:
    make_statement(slug="draft", status=Statement.Status.DRAFT)
    assert wsgi_request("/en/s/draft/").status == 404
    assert wsgi_request("/en/s/nothing/").status == 404
    wsgi_request("/", headers={"Accept-Language": "es"})
    assert not pages_root.exists() or not list(pages_root.rglob("index.html"))


def test_no_file_when_page_files_are_off(settings, tmp_path, statement) -> None:
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "PAGE_FILES": False,
                            "PAGE_FILES_ROOT": tmp_path / "pages"}
    assert wsgi_request("/en/s/viral/").status == 200
    assert not (tmp_path / "pages").exists()


def test_a_change_makes_the_sweep_delete_the_file(pages_root, statement) -> None:
    wsgi_request("/en/s/viral/")
    wsgi_request("/en/")
    written, home = page_file(pages_root, "/en/s/viral/"), page_file(pages_root, "/en/")
    assert written.exists() and home.exists()
    assert pagefiles.sweep() == 0  # nothing changed: both stay
    statement.title = "Edited title"
    statement.save()
    assert pagefiles.sweep() == 2  # the statement and the home page that lists it
    assert not written.exists() and not written.with_name("index.html.gz").exists()
    assert not written.with_name("index.html.deps").exists()
    # The next visitor gets the new page, and nginx a new file.
    assert b"Edited title" in wsgi_request("/en/s/viral/").body
    assert "Edited title" in written.read_text()


def test_a_new_visible_signature_reaches_the_file_within_five_seconds(pages_root,
                                                                       statement) -> None:
    from signatures import actions

    wsgi_request("/en/s/viral/")
    actions.do_record_organisation(statement, "Harbour Workers Union")
    deadline = time.monotonic() + 5
    written = page_file(pages_root, "/en/s/viral/")
    while written.exists() and time.monotonic() < deadline:
        pagefiles.sweep()  # the scheduler's loop
        time.sleep(0.1)
    assert not written.exists()
    assert b"Harbour Workers Union" in wsgi_request("/en/s/viral/").body


def test_files_older_than_the_page_ttl_go(pages_root, statement) -> None:
    wsgi_request("/en/s/viral/")
    later = time.time() + pagecache.PAGE_TTL_SECONDS + 1
    assert pagefiles.sweep(now=later) == 1
    assert not page_file(pages_root, "/en/s/viral/").exists()


def test_a_file_without_readable_generations_goes(pages_root, statement) -> None:
    wsgi_request("/en/s/viral/")
    page_file(pages_root, "/en/s/viral/").with_name("index.html.deps").write_text("{broken")
    assert pagefiles.sweep() == 1
    assert not page_file(pages_root, "/en/s/viral/").exists()


def test_switching_page_files_off_removes_every_file(settings, pages_root, statement) -> None:
    wsgi_request("/en/s/viral/")
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "PAGE_FILES": False}
    assert pagefiles.sweep() == 1
    assert not pages_root.exists()


@pytest.mark.parametrize("url, servable", [
    ("/en/s/viral/", True),
    ("/en/", True),
    ("/", False),                 # negotiated by Accept-Language
    ("/en/s/viral", False),       # the app redirects to the slash
    ("/en/s/../../secret_key/", False),
    ("/en/s/./x/", False),
    ("/en/s/água/", False),       # only plain ASCII segments
    ("/en/s/.hidden/", False),
])
def test_only_plain_urls_map_to_files(pages_root, url, servable) -> None:
    target = pagefiles.file_for(url)
    assert (target is not None) == servable
    if target is not None:
        assert pages_root in target.parents
