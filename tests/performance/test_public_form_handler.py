"""The public form POSTs take a short middleware chain (core.handlers): the visitor receives
what the full chain would have answered, and nothing else skips the full chain."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from comments.models import Comment
from comments.public import FORM_PURPOSE
from core import handlers, inserts, protection
from signatures.models import Signature, SignOn
from statements.models import Statement
from tests.comments.conftest import form_data
from tests.conftest import make_statement
from tests.signatures.conftest import sign_data

FORM = {"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://127.0.0.1:8000",
        "Sec-Fetch-Site": "same-origin"}
# Headers that differ between any two answers, whichever chain made them.
PER_ANSWER = {"location", "set-cookie", "content-length"}


def post(path: str, data: dict, *, full_chain: bool = False, headers: dict | None = None):
    from tests.performance.conftest import wsgi_request

    body = urlencode(data).encode()
    return wsgi_request(path, method="POST", body=body, headers={**FORM, **(headers or {})},
                        full_chain=full_chain)


def same_headers(short, full) -> None:
    assert short.status == full.status
    assert ({k: v for k, v in short.headers.items() if k not in PER_ANSWER}
            == {k: v for k, v in full.headers.items() if k not in PER_ANSWER})


def comment_data(statement: Statement, **fields: str) -> dict[str, str]:
    """The comment tests' valid form, with a token old enough for the minimum fill time
    (which those tests switch off and these do not)."""
    token = protection.form_token(FORM_PURPOSE, statement.pk,
                                  now=time.time() - protection.TOKEN_WINDOW_SECONDS)
    return form_data(statement, **{protection.TOKEN_FIELD: token, **fields})


@pytest.fixture
def statement(db) -> Statement:
    return make_statement("short-chain", comment_moderation=Statement.CommentModeration.NONE)


def test_a_sign_on_gets_the_full_chains_answer(statement):
    path = f"/en/sign/{statement.slug}/"
    assert handlers.is_public_form_post({"REQUEST_METHOD": "POST", "PATH_INFO": path})
    short = post(path, sign_data(statement, email="short@example.org"))
    full = post(path, sign_data(statement, email="full@example.org"), full_chain=True)
    assert short.status == 303
    assert short.headers["location"] == full.headers["location"] == f"/en/sign/{statement.slug}/sent/"
    same_headers(short, full)
    assert "content-security-policy" in short.headers and "x-frame-options" in short.headers
    # Both stored (tests apply every sign-on in its own request).
    assert set(Signature.objects.filter(statement=statement).values_list("email", flat=True)) == {
        "short@example.org", "full@example.org"}


def test_a_refused_sign_on_is_the_same_page_by_either_chain(statement):
    path = f"/es/sign/{statement.slug}/"
    data = sign_data(statement, email="not an address", name="Ana <b>Lima</b>")
    short, full = post(path, data), post(path, data, full_chain=True)
    assert short.status == 400
    same_headers(short, full)
    assert short.body == full.body
    page = short.body.decode()
    assert 'lang="es"' in page and "Ana &lt;b&gt;Lima&lt;/b&gt;" in page  # input kept, escaped
    assert not SignOn.objects.exists() and not Signature.objects.exists()


def test_a_cross_site_post_is_refused_by_either_chain(statement):
    path = f"/en/sign/{statement.slug}/"
    data = sign_data(statement, email="csrf@example.org")
    headers = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    short, full = post(path, data, headers=headers), post(path, data, headers=headers,
                                                          full_chain=True)
    assert short.status == full.status == 403
    same_headers(short, full)
    assert not SignOn.objects.exists() and not Signature.objects.exists()


def test_a_comment_gets_the_full_chains_answer_and_its_cookie(statement, monkeypatch):
    path = f"/en/comments/{statement.pk}/"
    short = post(path, comment_data(statement, remember="on"))
    full = post(path, comment_data(statement, remember="on", email="b@example.org"),
                full_chain=True)
    assert short.status == 303
    same_headers(short, full)
    assert "undersigned_commenter=" in short.headers["set-cookie"]
    assert {"private", "no-store"} <= {v.strip() for v in short.headers["cache-control"].split(",")}
    comment = Comment.objects.get(email="amina@example.org")
    assert short.headers["location"].endswith(f"#comment-{comment.pk}")


def test_only_posts_to_marked_views_skip_the_full_chain(statement):
    def public(path: str, method: str = "POST") -> bool:
        return handlers.is_public_form_post({"REQUEST_METHOD": method, "PATH_INFO": path})

    assert public(f"/en/comments/{statement.pk}/")
    assert not public(f"/en/comments/{statement.pk}/", method="GET")
    assert not public(f"/en/sign/{statement.slug}/resend/")
    assert not public("/admin/login/")
    assert not public("/en/no/such/page/")
    assert not public("/" + "x" * 5000)


def test_the_admin_keeps_its_csrf_check(db):
    from tests.performance.conftest import wsgi_request

    response = wsgi_request("/admin/login/", method="POST",
                            body=b"username=a&password=b", headers=FORM)
    assert response.status == 403  # no CSRF cookie: the full chain refused it


def test_one_visitors_refused_form_leaves_nothing_for_the_next(statement, anon):
    path = f"/en/sign/{statement.slug}/"
    refused = post(path, sign_data(statement, email="broken", name="First Visitor"))
    assert refused.status == 400 and "First Visitor" in refused.body.decode()
    again = post(path, sign_data(statement, email="second@example.org", name="Second"))
    assert again.status == 303
    page = anon.get(f"/en/s/{statement.slug}/").content.decode()
    assert "First Visitor" not in page and "broken" not in page


def test_insert_stores_the_row_as_save_would(statement):
    comment = Comment(statement=statement, name="Rosa", email="rosa@example.org",
                      email_key="k", body="Hola", body_html="<p>Hola</p>", depth=1,
                      status=Comment.Status.VISIBLE, listed=True, ip_hash="h", language="es")
    inserts.insert(comment)
    stored = Comment.objects.get(pk=comment.pk)
    assert (stored.name, stored.body_html, stored.language) == ("Rosa", "<p>Hola</p>", "es")
    assert stored.created_at is not None and stored.created_at == comment.created_at
    assert not comment._state.adding


def test_the_short_chain_takes_the_resolution_it_remembered(statement, monkeypatch):
    """A public form's path is resolved once, to decide the chain, and the short chain's handler
    takes that resolution instead of trying the URL patterns again (core.handlers)."""
    from django.urls import resolve
    from django.urls.resolvers import URLResolver
    from django.utils import translation

    path = f"/es/sign/{statement.slug}/"
    assert handlers.is_public_form_post({"REQUEST_METHOD": "POST", "PATH_INFO": path})
    with translation.override("es"):
        django_own = resolve(path)
    remembered = handlers._public_form_matches[path]
    assert remembered is not None
    for attribute in ("func", "args", "kwargs", "url_name", "route", "namespace", "view_name"):
        assert getattr(remembered, attribute) == getattr(django_own, attribute), attribute

    def no_second_resolution(self, path):
        raise AssertionError(f"{path} was resolved again")

    monkeypatch.setattr(URLResolver, "resolve", no_second_resolution)
    answer = post(path, sign_data(statement, email="remembered@example.org"))
    assert answer.status == 303
    assert answer.headers["location"] == f"/es/sign/{statement.slug}/sent/"
    assert Signature.objects.filter(email="remembered@example.org").exists()


def test_what_one_request_does_to_its_resolution_reaches_no_other(statement):
    from django.test import RequestFactory

    path = f"/en/sign/{statement.slug}/"
    assert handlers.is_public_form_post({"REQUEST_METHOD": "POST", "PATH_INFO": path})
    handler = handlers.PublicFormHandler()
    first = handler.resolve_request(RequestFactory().post(path))
    first.kwargs["slug"] = "another-statement"
    second_request = RequestFactory().post(path)
    second = handler.resolve_request(second_request)
    assert second.kwargs == {"slug": statement.slug}
    assert second_request.resolver_match is second and second is not first


def test_a_new_urlconf_forgets_the_remembered_resolutions(statement, settings):
    path = f"/en/sign/{statement.slug}/"
    assert handlers.is_public_form_post({"REQUEST_METHOD": "POST", "PATH_INFO": path})
    settings.ROOT_URLCONF = "tests.performance.urls_without_forms"
    assert path not in handlers._public_form_matches
    assert not handlers.is_public_form_post({"REQUEST_METHOD": "POST", "PATH_INFO": path})
