"""Security headers on every response (issue 6), and the admin working under the strict CSP."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import make_statement

PUBLIC_PATHS = ["/en/", "/es/", "/en/privacy/", "/es/privacy/", "/en/no-such-page/", "/healthz"]


def assert_security_headers(response, referrer: str = "no-referrer") -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in directives[directive]
        assert "'unsafe-eval'" not in directives[directive]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == referrer
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_responses_carry_every_security_header(anon: Client, path: str) -> None:
    make_statement()
    response = anon.get(path)
    assert response.status_code in (200, 404)
    assert_security_headers(response)


@pytest.mark.django_db
def test_statement_page_and_bad_requests_carry_headers(anon: Client) -> None:
    statement = make_statement()
    assert_security_headers(anon.get(statement.get_absolute_url(), follow=True))
    assert_security_headers(anon.get("/en/?" + "x" * 5000))
    assert_security_headers(anon.generic("PATCH", "/en/"))


class InlineFinder(HTMLParser):
    """Collect what a strict CSP would block: inline scripts/styles without a nonce, style and
    event-handler attributes, javascript: URLs."""

    def __init__(self, nonce: str | None) -> None:
        super().__init__()
        self.nonce = nonce
        self.problems: list[str] = []
        self._open_inline: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("script", "style") and not attributes.get("src"):
            if tag == "script" and attributes.get("type") in ("application/json",
                                                              "application/ld+json"):
                return
            if not self.nonce or attributes.get("nonce") != self.nonce:
                self._open_inline = tag
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")

    def handle_data(self, data: str) -> None:
        if self._open_inline and data.strip():
            self.problems.append(f"inline <{self._open_inline}> without nonce: {data.strip()[:60]}")

    def handle_endtag(self, tag: str) -> None:
        self._open_inline = None


def csp_problems(response) -> list[str]:
    csp = response.headers.get("Content-Security-Policy", "")
    match = re.search(r"'nonce-([^']+)'", csp)
    finder = InlineFinder(match.group(1) if match else None)
    finder.feed(response.content.decode())
    return finder.problems


@pytest.mark.django_db
def test_public_pages_have_nothing_the_csp_would_block(anon: Client) -> None:
    statement = make_statement()
    for path in [*PUBLIC_PATHS, statement.get_absolute_url()]:
        response = anon.get(path, follow=True)
        if response["Content-Type"].startswith("text/html"):
            assert csp_problems(response) == [], path


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "correct horse 1")


@pytest.mark.django_db
def test_admin_works_under_the_strict_csp(client: Client, superuser) -> None:
    """Every admin page an editor uses renders with no inline code the CSP would block."""
    client.force_login(superuser)
    statement = make_statement()
    paths = ["/admin/", "/admin/statements/statement/", "/admin/statements/statement/add/",
             f"/admin/statements/statement/{statement.pk}/change/",
             f"/admin/statements/statement/{statement.pk}/delete/",
             "/admin/core/auditentry/", "/admin/auth/user/", f"/admin/auth/user/{superuser.pk}/change/",
             f"/admin/auth/user/{superuser.pk}/password/", "/admin/password_change/",
             "/admin/account/two-factor/"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_security_headers(response, referrer="same-origin")
        assert csp_problems(response) == [], path
    client.logout()
    response = client.get("/admin/login/")
    assert csp_problems(response) == []


def settings_in_subprocess(base_url: str) -> dict:
    """Settings as a fresh process computes them for BASE_URL (they are read at start-up)."""
    code = ("import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k, None) "
            "for k in ['SECURE_HSTS_SECONDS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
            "'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_HTTPONLY', 'SESSION_EXPIRE_AT_BROWSER_CLOSE', "
            "'SESSION_COOKIE_AGE']}))")
    env = {**os.environ, "UNDERSIGNED_BASE_URL": base_url,
           "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "undersigned.settings")}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_https_mode_turns_on_hsts_and_secure_cookies() -> None:
    https = settings_in_subprocess("https://sign.example.org")
    assert https["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 180
    assert https["SESSION_COOKIE_SECURE"] is True
    assert https["CSRF_COOKIE_SECURE"] is True
    http = settings_in_subprocess("http://127.0.0.1:8000")
    assert not http["SECURE_HSTS_SECONDS"]
    assert not http["SESSION_COOKIE_SECURE"]
    for mode in (https, http):
        assert mode["SESSION_COOKIE_HTTPONLY"] is True
        assert mode["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
        assert mode["SESSION_COOKIE_AGE"] <= 60 * 60 * 12


@pytest.mark.django_db
def test_hsts_header_sent_over_https(settings, anon: Client) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = anon.get("/en/", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = anon.get("/en/")
    assert "Strict-Transport-Security" not in plain.headers


@pytest.mark.django_db
def test_public_pages_set_no_cookies(anon: Client) -> None:
    statement = make_statement()
    for path in ["/en/", statement.get_absolute_url(), "/en/privacy/"]:
        response = anon.get(path, follow=True)
        assert not response.cookies, path


@pytest.mark.django_db
def test_admin_sends_referrers_only_to_itself(client: Client, superuser) -> None:
    """Under no-referrer, browsers post forms with `Origin: null` and Django's CSRF check refuses
    them: the admin uses same-origin (found by tests/security/test_admin_browser.py)."""
    assert client.get("/admin/login/").headers["Referrer-Policy"] == "same-origin"
    client.force_login(superuser)
    assert client.get("/admin/").headers["Referrer-Policy"] == "same-origin"
    assert client.get("/en/").headers["Referrer-Policy"] == "no-referrer"
