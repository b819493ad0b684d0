"""The whole-page cache: fresh within 5 seconds, the same bytes for everyone, never personal.

These go through ``undersigned.wsgi.application`` (the entry point granian serves), so the hit
path in front of Django and the storing middleware are both exercised. ``transactional_db``:
invalidation runs on commit, as in production.
"""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.db import models
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import resolve
from django.utils import timezone

from pages import store as pagecache
from pages.middleware import PageCacheMiddleware
from statements import lookup
from statements import pages as statement_pages
from statements.models import Statement
from tests.conftest import make_statement

from .conftest import WsgiResponse, wsgi_request

pytestmark = pytest.mark.django_db(transaction=True)

VISIBILITY_SECONDS = 5


def poll_until(path: str, text: str, *, present: bool = True) -> WsgiResponse:
    """Ask for the page as an anonymous visitor until ``text`` shows (or the 5 s run out)."""
    deadline = time.monotonic() + VISIBILITY_SECONDS
    while True:
        response = wsgi_request(path)
        if (text.encode() in response.body) == present or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


def edit_behind_the_cache(statement: Statement, **fields: str) -> None:
    """Change rows without any invalidation: shows whether an answer came from the cache.
    (Django's own ``QuerySet.update``: the statements' one announces the change.)"""
    models.QuerySet.update(Statement.objects.filter(pk=statement.pk), **fields)


@pytest.fixture
def page() -> tuple[Statement, str]:
    statement = make_statement(slug="viral", title="Original title")
    return statement, "/en/s/viral/"


def test_two_anonymous_visitors_get_identical_bytes(page, frozen_limit_clock) -> None:
    # One form-token window throughout: were a page rendered twice, its token would still match.
    _, url = page
    first = wsgi_request(url, headers={"User-Agent": "phone", "X-Forwarded-For": "10.0.0.1"})
    second = wsgi_request(url, headers={"User-Agent": "laptop", "Accept-Language": "es"})
    assert first.status == second.status == 200
    assert first.body == second.body
    assert first.header_list == second.header_list
    assert "set-cookie" not in first.headers
    gz_one = wsgi_request(url, headers={"Accept-Encoding": "gzip, br"})
    gz_two = wsgi_request(url, headers={"Accept-Encoding": "gzip"})
    assert gz_one.headers["content-encoding"] == "gzip"
    assert gz_one.body == gz_two.body


def test_public_pages_carry_shared_cache_headers(page) -> None:
    _, url = page
    response = wsgi_request(url)
    assert response.headers["cache-control"] == pagecache.PUBLIC_CACHE_CONTROL
    assert "Accept-Encoding" in response.headers["vary"]
    revalidated = wsgi_request(url, headers={"If-None-Match": response.headers["etag"]})
    assert revalidated.status == 304 and revalidated.body == b""
    head = wsgi_request(url, method="HEAD")
    assert head.status == 200 and head.body == b""


def test_cached_page_is_served_until_a_change_is_announced(page) -> None:
    statement, url = page
    assert b"Original title" in wsgi_request(url).body
    edit_behind_the_cache(statement, title="Silent edit")
    assert b"Original title" in wsgi_request(url).body  # served from the cache


def test_statement_edit_shows_within_five_seconds(page) -> None:
    statement, url = page
    assert b"Original title" in wsgi_request(url).body
    started = time.monotonic()
    statement.title = "Edited title"
    statement.save()  # post_save announces the change on commit
    response = poll_until(url, "Edited title")
    assert b"Edited title" in response.body
    assert time.monotonic() - started <= VISIBILITY_SECONDS


def test_statement_updated_in_bulk_shows_within_five_seconds(page) -> None:
    """An UPDATE sends no post_save: the action that runs one makes the one invalidation call
    (statements.pages.statement_changed) for every statement it changed."""
    statement, url = page
    other = make_statement(slug="other", title="Other title")
    assert b"Original title" in wsgi_request(url).body
    assert b"Other title" in wsgi_request("/en/s/other/").body
    started = time.monotonic()
    Statement.objects.filter(pk__in=[statement.pk, other.pk]).update(title="Renamed in bulk")
    statement_pages.statement_changed(statement.pk, other.pk, row=True)
    assert b"Renamed in bulk" in poll_until(url, "Renamed in bulk").body
    assert b"Renamed in bulk" in poll_until("/en/s/other/", "Renamed in bulk").body
    assert time.monotonic() - started <= VISIBILITY_SECONDS


def test_statement_closed_in_bulk_stops_the_forms(page) -> None:
    """The forms' per-process copy of a statement (statements.lookup) follows a row change."""
    statement, _url = page
    assert lookup.public_statement(slug="viral").status == Statement.Status.PUBLISHED
    Statement.objects.filter(pk=statement.pk).update(status=Statement.Status.CLOSED)
    statement_pages.statement_changed(statement.pk, row=True)
    assert lookup.public_statement(slug="viral").status == Statement.Status.CLOSED


def _bulk_statement_updates_without_the_call(source: str) -> list[str]:
    """Functions that run ``Statement.objects….update(…)`` but never call statement_changed."""
    import ast

    missing = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef):
            continue
        calls = [node for node in ast.walk(function) if isinstance(node, ast.Call)]
        updates = any(isinstance(c.func, ast.Attribute) and c.func.attr == "update"
                      and "Statement.objects" in ast.unparse(c.func) for c in calls)
        announced = any("statement_changed" in ast.unparse(c.func) for c in calls)
        if updates and not announced:
            missing.append(function.name)
    return missing


def test_every_bulk_update_of_statements_makes_the_invalidation_call() -> None:
    """Guards the rule above in the code: an UPDATE of statements outside a function that also
    calls statement_changed would leave cached pages and the forms' copies stale."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for app in ("statements", "signatures", "comments", "privacy", "accounts", "ops"):
        for path in (root / app).rglob("*.py"):
            if "migrations" not in path.parts:
                offenders += [f"{path.relative_to(root)}:{name}" for name in
                              _bulk_statement_updates_without_the_call(path.read_text())]
    assert not offenders, offenders
    assert _bulk_statement_updates_without_the_call(
        "def close():\n    Statement.objects.filter(pk=1).update(status='closed')\n") == ["close"]


def test_change_announced_by_another_process_shows_within_five_seconds(page) -> None:
    """Another app process bumps the shared generation; this one only sees the shared cache."""
    statement, url = page
    wsgi_request(url)
    wsgi_request("/en/")
    edit_behind_the_cache(statement, title="Changed elsewhere")
    cache.set(statement_pages.STATEMENT_GENERATION_KEY.format(statement_id=statement.pk),
              "other-process")
    cache.set(statement_pages.SITE_GENERATION_KEY, "other-process")
    started = time.monotonic()
    assert b"Changed elsewhere" in poll_until(url, "Changed elsewhere").body
    assert b"Changed elsewhere" in poll_until("/en/", "Changed elsewhere").body
    assert time.monotonic() - started <= VISIBILITY_SECONDS


def test_new_visible_signature_shows_within_five_seconds(page) -> None:
    from signatures.models import Signature

    statement, url = page
    list_url = "/en/signatories/viral/"
    assert b"Ada Lovelace" not in wsgi_request(url).body
    list_cached = wsgi_request(list_url).status == 200
    Signature.objects.create(statement=statement, kind=Signature.Kind.INDIVIDUAL,
                             status=Signature.Status.VISIBLE, name="Ada Lovelace",
                             email="ada@example.org", show_name=True,
                             confirmed_at=timezone.now())
    statement_pages.statement_changed(statement.pk)  # what the sign-on actions do
    assert b"Ada Lovelace" in poll_until(url, "Ada Lovelace").body
    if list_cached:  # the full, paginated list of signatories
        assert b"Ada Lovelace" in poll_until(list_url, "Ada Lovelace").body


def test_language_versions_and_lists_are_cached_and_invalidated(page) -> None:
    statement, url = page
    for path in ("/en/", "/es/", url, "/es" + url[3:]):
        assert wsgi_request(path).status == 200
    statement.title = "Renamed"
    statement.save()
    for path in ("/en/", url, "/es" + url[3:]):
        assert b"Renamed" in poll_until(path, "Renamed").body


def test_editors_bypass_the_cache(page, admin_user) -> None:
    statement, url = page
    wsgi_request(url)
    edit_behind_the_cache(statement, title="Only editors see this yet")
    client = Client()
    client.force_login(admin_user)
    session_cookie = client.cookies["sessionid"].value
    response = wsgi_request(url, headers={"Cookie": f"sessionid={session_cookie}"})
    assert b"Only editors see this yet" in response.body
    assert b"Only editors see this yet" not in wsgi_request(url).body


def test_editor_pages_are_never_stored(page, admin_user) -> None:
    statement, url = page
    client = Client()
    client.force_login(admin_user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    Statement.objects.filter(pk=statement.pk).update(status=Statement.Status.DRAFT)
    preview = wsgi_request(url, headers={"Cookie": cookie})
    assert preview.status == 200  # an editor's preview of a draft
    assert "public" not in preview.headers.get("cache-control", "")
    assert wsgi_request(url).status == 404  # the anonymous visitor never gets the preview


def test_any_other_cookie_bypasses_the_cache(page) -> None:
    statement, url = page
    wsgi_request(url)
    edit_behind_the_cache(statement, title="Fresh for cookie holders")
    with_cookie = wsgi_request(url, headers={"Cookie": "remember_commenter=abc"})
    assert b"Fresh for cookie holders" in with_cookie.body
    assert "public" not in with_cookie.headers.get("cache-control", "")
    # ...and what the cookie holder got was not stored for others.
    assert b"Fresh for cookie holders" not in wsgi_request(url).body


def test_posts_are_never_answered_from_the_cache(page) -> None:
    _, url = page
    cached = wsgi_request(url)
    posted = wsgi_request(url, method="POST", body=b"name=x",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    # Django answered (refused: the view is GET-only, or the form checks failed): not the page.
    assert posted.status >= 400
    assert posted.body != cached.body


def test_set_cookie_or_private_responses_are_never_stored(page) -> None:
    statement, url = page
    factory = RequestFactory()
    for mark in ("cookie", "private", "no-store"):
        def view(request, mark=mark):
            request.resolver_match = resolve(url)
            response = HttpResponse(f"<p>{mark}</p>", content_type="text/html; charset=utf-8")
            if mark == "cookie":
                response.set_cookie("visitor", "1")
            else:
                response["Cache-Control"] = mark
            return response

        middleware = PageCacheMiddleware(view)
        middleware(factory.get(url))
        assert pagecache.lookup(factory.get(url).META) is None, mark


def test_cookie_bearing_request_is_not_stored(page) -> None:
    _, url = page
    factory = RequestFactory()
    request = factory.get(url, HTTP_COOKIE="sessionid=abc")
    calls = []

    def view(request):
        calls.append(request)
        request.resolver_match = resolve(url)
        return HttpResponse("<p>personal</p>", content_type="text/html; charset=utf-8")

    PageCacheMiddleware(view)(request)
    assert pagecache.lookup(factory.get(url).META) is None
    assert len(calls) == 1


@pytest.mark.django_db(transaction=False)
def test_change_inside_an_uncommitted_transaction_is_visible_to_it() -> None:
    """Tests (and the writing connection) see a change before the commit: the thread that
    made it sees its bumps at once, the other processes when it commits."""
    make_statement(slug="viral", title="Before")
    url = "/en/s/viral/"
    assert b"Before" in wsgi_request(url).body
    edit_behind_the_cache(Statement.objects.get(slug="viral"), title="After")
    statement_pages.statement_changed(Statement.objects.get(slug="viral").pk)
    assert b"After" in wsgi_request(url).body


def test_the_site_works_without_the_page_cache(page, settings) -> None:
    """``pages`` is an optimisation behind one seam: without the app (and its middleware) every
    page is rendered, fresh, and nothing is stored."""
    statement, url = page
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "pages"]
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("pages.")]
    client = Client()
    assert b"Original title" in client.get(url).content
    edit_behind_the_cache(statement, title="Seen at once")  # no invalidation call at all
    response = client.get(url)
    assert response.status_code == 200 and b"Seen at once" in response.content
    assert pagecache.lookup(RequestFactory().get(url).META) is None
