"""Hostile input: every payload gets a clear 4xx or is stored harmlessly, nothing executes, and
no public response ever shows an email address or an IP hash."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from comments.models import Comment
from comments.public import FORM_PURPOSE
from core import protection
from tests.comments.conftest import form_data, page, post, post_ok

pytestmark = pytest.mark.django_db(transaction=True)

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<svg/onload=alert(1)>",
    "' onmouseover='alert(1)",
    "<a href=\"https://e.example\" onclick=\"alert(1)\">x</a>",
    "<iframe src=//evil.example></iframe>",
    "{{ 7*7 }}{% debug %}",
    "<style>body{display:none}</style>",
    "\u202eevil\u202c",
]


class _Inspector(HTMLParser):
    """Parses the page as a browser would and collects anything that could run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "style", "img", "object", "embed") and \
                not (tag == "script" and (dict(attrs).get("src") or "").startswith("/static/")):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"{tag}[{name}]")
            if name in ("href", "src", "action", "formaction") and value and \
                    value.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                self.found.append(f"{tag}[{name}={value}]")


def assert_inert(html: str) -> None:
    inspector = _Inspector()
    inspector.feed(html.split("<main", 1)[-1])
    assert inspector.found == [], inspector.found


@pytest.mark.parametrize("payload", XSS)
@pytest.mark.parametrize("field", ["name", "body", "website", "email"])
def test_xss_in_every_field_is_refused_or_stored_inert(anon, open_statement, field, payload):
    response = post(anon, open_statement, **{field: payload})
    assert response.status_code in (303, 400)
    html = page(anon, open_statement)
    assert_inert(html)
    if response.status_code == 400:
        assert_inert(response.content.decode())
        assert not Comment.objects.exists()
    else:
        comment = Comment.objects.get()
        assert_inert("<main>" + comment.body_html)
        assert_inert(anon.get(response["Location"]).content.decode())


def test_only_http_websites_are_accepted(anon, open_statement):
    for website in ("javascript:alert(1)", "data:text/html,x", "ftp://e.example/", "//e.example"):
        assert post(anon, open_statement, website=website).status_code in (400, 303)
    for comment in Comment.objects.all():
        assert comment.website.startswith(("http://", "https://", ""))
        assert not comment.website.startswith(("javascript", "data"))


def test_over_long_fields_are_refused(anon, open_statement):
    for field, size in (("name", 101), ("body", 5001), ("email", 255), ("website", 201)):
        response = post(anon, open_statement, **{field: "a" * size})
        assert response.status_code == 400, field
    assert not Comment.objects.exists()


def test_control_characters_are_refused_in_names_and_in_text(anon, open_statement):
    """One policy for text from strangers (core.text): refused with a clear 400, never
    silently changed, so the author sees exactly what would be stored."""
    assert post(anon, open_statement, name="Am\x00ina").status_code == 400
    assert post(anon, open_statement, name="Am\x1bina").status_code == 400
    assert post(anon, open_statement, name="\u202eanimA").status_code == 400
    refused = post(anon, open_statement, body="li\x07ne\x1b[31m one\r\nline two\x7f")
    assert refused.status_code == 400
    assert "control or invisible characters" in refused.content.decode()
    assert post(anon, open_statement, body="\x00\x01\x02").status_code == 400
    assert not Comment.objects.exists()
    comment = post_ok(anon, open_statement, body="line\tone \r\nline two")
    assert comment.body == "line\tone\nline two"


def test_broken_utf8_is_stored_harmlessly(anon, open_statement):
    token = protection.form_token(FORM_PURPOSE, open_statement.pk)
    raw = (b"name=Am%FFina&email=a%40example.org&body=caf%C3%A9+%E2%28%A1+%C3&"
           + urlencode({protection.TOKEN_FIELD: token}).encode())
    response = anon.post(f"/en/comments/{open_statement.pk}/", raw,
                         content_type="application/x-www-form-urlencoded")
    assert response.status_code in (303, 400)
    assert_inert(page(anon, open_statement))


def test_huge_bodies_are_refused_before_they_are_read(anon, open_statement):
    response = post(anon, open_statement, body="x" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert not Comment.objects.exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options", "trace"])
def test_wrong_methods(anon, open_statement, method):
    response = getattr(anon, method)(f"/en/comments/{open_statement.pk}/")
    assert response.status_code in (405, 400)
    comment = post_ok(anon, open_statement)
    assert getattr(anon, method)(f"/en/comments/c/{comment.pk}/edit/").status_code in (405, 400)


def test_get_on_post_only_views(anon, open_statement):
    comment = post_ok(anon, open_statement)
    assert anon.get(f"/en/comments/c/{comment.pk}/edit/").status_code == 405
    assert anon.get(f"/en/comments/c/{comment.pk}/delete/").status_code == 405


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
])
def test_cross_site_posts_are_refused(anon, open_statement, headers):
    response = post(anon, open_statement, headers={"headers": headers})
    assert response.status_code == 403
    assert not Comment.objects.exists()
    comment = Comment.objects.create(statement=open_statement, name="x", body="x",
                                     status="visible", listed=True)
    from comments.tokens import author_token
    r = anon.post(f"/en/comments/c/{comment.pk}/delete/", {"t": author_token(comment.pk)},
                  headers=headers)
    assert r.status_code == 403 and Comment.objects.filter(pk=comment.pk).exists()


def test_same_origin_posts_pass(anon, open_statement):
    response = post(anon, open_statement, headers={"headers": {"Sec-Fetch-Site": "same-origin",
                                                               "Origin": "http://testserver"}})
    assert response.status_code == 303


@pytest.mark.parametrize("token", ["", "garbage", "1.abc", "99999999999.x",
                                   "0.0000000000000000000000000000000000000000000"])
def test_forged_form_tokens(anon, open_statement, token):
    response = post(anon, open_statement, **{protection.TOKEN_FIELD: token})
    assert response.status_code == 400
    assert not Comment.objects.exists()


@pytest.mark.parametrize("parent", ["abc", "-1", "0", "1e3", str(2**70), "1;DROP TABLE", " "])
def test_forged_parent_ids(anon, open_statement, parent):
    response = post(anon, open_statement, parent=parent)
    assert response.status_code in (400, 303)
    if response.status_code == 303:
        assert Comment.objects.get().parent_id is None


@pytest.mark.parametrize("path", [
    "/en/comments/99999999999999999999999/", "/en/comments/c/99999999999999999999999/",
    "/en/comments/c/99999999999999999999999/yours/?t=x",
    "/en/comments/confirm/%00/", "/en/comments/unsubscribe/" + "a" * 1500 + "/",
])
def test_odd_urls_are_clear_4xx(anon, path):
    assert 400 <= anon.get(path).status_code < 500


def test_no_email_or_ip_hash_in_any_public_response(open_statement, statement):
    anon = Client(REMOTE_ADDR="203.0.113.77")
    visible = post_ok(anon, open_statement, email="secret.person@example.org", notify="on",
                      website="https://site.example", remember="on")
    held = post_ok(anon, statement, email="hidden.one@example.org")
    reply = post_ok(anon, open_statement, parent=visible.pk, email="replier@example.org")
    secrets_ = {"secret.person", "hidden.one", "replier@", visible.ip_hash, visible.email_key,
                held.email_key, reply.email_key, "203.0.113.77"}
    assert visible.ip_hash
    fresh = Client()
    urls = [f"/en/s/{open_statement.slug}/", f"/en/s/{statement.slug}/", "/en/",
            f"/en/s/{open_statement.slug}/?order=newest",
            f"/en/comments/{open_statement.pk}/?replyto={visible.pk}",
            f"/en/comments/c/{visible.pk}/"]
    for url in urls:
        response = fresh.get(url, follow=True)
        body = response.content.decode()
        for secret in secrets_:
            assert secret not in body, (url, secret)
        for value in response.headers.values():
            for secret in secrets_:
                assert secret not in value, (url, secret)


# --- property: no input gives a 500, refused input stores nothing ---------------------------

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
field_values = st.one_of(text, st.sampled_from(XSS), st.just(""), st.text(max_size=6000))


@given(name=field_values, email=st.one_of(st.emails(), field_values), website=field_values,
       body=field_values, parent=st.one_of(st.none(), text, st.integers()),
       token_ok=st.booleans(), honeypot=st.one_of(st.just(""), text),
       notify=st.sampled_from(["", "on", "x"]))
def test_property_the_form_never_500s_and_refusals_store_nothing(
        open_statement, name, email, website, body, parent, token_ok, honeypot, notify):
    client = Client()
    before = Comment.objects.count()
    data = form_data(open_statement, name=name, email=email, website=website, body=body,
                     parent=None if parent is None else str(parent), fax=honeypot,
                     notify=notify)
    if not token_ok:
        data[protection.TOKEN_FIELD] = "forged.token"
    try:
        response = client.post(f"/en/comments/{open_statement.pk}/", data)
    except ValueError:  # the test client itself refuses NUL characters in form data
        return
    assert response.status_code < 500
    after = Comment.objects.count()
    if response.status_code >= 400:
        assert after == before
    else:
        assert response.status_code == 303 and after == before + 1
        assert_inert("<main>" + Comment.objects.latest("id").body_html)
