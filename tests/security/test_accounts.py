"""Editor accounts: throttled sign-in, TOTP two-factor, required 2FA, expiring sessions."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import throttle
from core.models import AuditEntry

PASSWORD = "correct horse 1"


@pytest.fixture(autouse=True)
def _fast_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def fresh(device: TOTPDevice) -> TOTPDevice:
    """As if time had passed: the code just used may be used again, no failures counted."""
    device.refresh_from_db()
    device.last_t = -1
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    return device


@pytest.fixture
def editor(db):
    user = get_user_model().objects.create_user("ed", "ed@example.org", PASSWORD, is_staff=True)
    return user


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def login(client: Client, username: str, password: str = PASSWORD, **headers):
    return client.post("/admin/login/", {"username": username, "password": password,
                                         "next": "/admin/"}, headers=headers)


def test_login_without_two_factor(client: Client, editor) -> None:
    response = login(client, "ed")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert AuditEntry.objects.filter(action="account.login", actor=editor).exists()


def test_wrong_password_is_refused_with_the_form_again(client: Client, editor) -> None:
    response = login(client, "ed", "wrong password")
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_login_is_throttled_per_username_and_address_then_released(client: Client, editor,
                                                                   monkeypatch) -> None:
    for _ in range(throttle.PAIR.limit):
        assert login(client, "ed", "guess").status_code == 200
    blocked = login(client, "ed")  # even the right password waits: no oracle for the guesser
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts. Try again in 15 minutes." in blocked.content.decode()
    # The real user at another address is not locked out by the guesser at this one.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert login(other, "ed").status_code == 302
    # And the lock ends by itself.
    later = time.time() + throttle.WINDOW + 1
    monkeypatch.setattr(throttle.time, "time", lambda: later)
    assert login(client, "ed").status_code == 302


def test_login_is_throttled_per_address_across_usernames(client: Client, editor) -> None:
    for i in range(throttle.ADDRESS.limit):
        login(client, f"nobody{i}", "guess")
    assert login(client, "ed").status_code == 429
    assert login(Client(REMOTE_ADDR="198.51.100.8"), "ed").status_code == 302


def test_login_is_throttled_per_username_across_addresses(client: Client, editor) -> None:
    for i in range(throttle.USERNAME.limit):
        login(Client(REMOTE_ADDR=f"203.0.113.{i + 1}"), "ed", "guess")
    assert login(Client(REMOTE_ADDR="198.51.100.9"), "ed").status_code == 429


def test_non_staff_cannot_sign_in_to_the_admin(client: Client, db) -> None:
    get_user_model().objects.create_user("visitor", "v@example.org", PASSWORD)
    assert login(client, "visitor").status_code == 200
    assert client.get("/admin/").status_code == 302


def enrol(client: Client, user) -> TOTPDevice:
    client.force_login(user)
    page = client.get("/admin/account/two-factor/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "otpauth" not in body.split("<svg", 1)[0].lower()[-200:]
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/admin/account/two-factor/", {"code": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_enrolment_shows_a_local_qr_code_and_confirms_with_a_code(client: Client, editor) -> None:
    client.force_login(editor)
    page = client.get("/admin/account/two-factor/").content.decode()
    assert "<svg" in page and "http" not in page.split("<svg", 1)[1].split("</svg>")[0]
    device = TOTPDevice.objects.get(user=editor)
    assert client.post("/admin/account/two-factor/", {"code": "000000"}).status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    fresh(device)
    enrol(Client(), editor)
    assert AuditEntry.objects.filter(action="account.2fa_enabled").exists()


def test_login_with_two_factor_needs_the_code(editor) -> None:
    device = enrol(Client(), editor)
    client = Client()
    step = login(client, "ed")
    assert step.status_code == 200 and 'name="code"' in step.content.decode()
    assert client.get("/admin/").status_code == 302  # the password alone did not sign in
    wrong = client.post("/admin/login/", {"step": "code", "code": "123456", "next": "/admin/"})
    assert "not valid" in wrong.content.decode()
    fresh(device)
    ok = client.post("/admin/login/", {"step": "code", "code": code_for(device), "next": "/admin/"})
    assert ok.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_code_step_without_a_password_step_does_nothing(client: Client, editor) -> None:
    response = client.post("/admin/login/", {"step": "code", "code": "123456"})
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_a_password_only_session_of_an_enrolled_account_is_signed_out(editor) -> None:
    enrol(Client(), editor)
    client = Client()
    client.force_login(editor)  # a session without OTP verification
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_required_two_factor_sends_superusers_to_enrolment(settings, client: Client,
                                                           superuser) -> None:
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "REQUIRE_2FA": True}
    assert login(client, "root").status_code == 302
    response = client.get("/admin/statements/statement/")
    assert response.status_code == 302 and response["Location"] == "/admin/account/two-factor/"
    assert client.get("/admin/account/two-factor/").status_code == 200
    device = TOTPDevice.objects.get(user=superuser)
    client.post("/admin/account/two-factor/", {"code": code_for(device)})
    assert client.get("/admin/statements/statement/").status_code == 200
    fresh(device)
    # Required: it cannot be switched off by the account itself.
    client.post("/admin/account/two-factor/", {"action": "remove", "code": code_for(device)})
    assert TOTPDevice.objects.filter(user=superuser, confirmed=True).exists()


def test_two_factor_is_optional_for_editors_when_required_for_superusers(settings, client: Client,
                                                                         editor) -> None:
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "REQUIRE_2FA": True}
    login(client, "ed")
    assert client.get("/admin/").status_code == 200


def test_session_cookie_expires(client: Client, editor, settings) -> None:
    login(client, "ed")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert not cookie["expires"] and not cookie["max-age"]  # ends when the browser closes
    assert client.session.get_expiry_age() <= 12 * 60 * 60
