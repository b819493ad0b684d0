"""Editor accounts: throttled sign-in, TOTP two-factor with recovery codes, required 2FA,
expiring sessions."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client, RequestFactory
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import throttle
from core.models import AuditEntry
from core.roles import EDITOR, MODERATOR
from tests.security.test_headers import csp_problems

PASSWORD = "correct horse 1"
# The start of a throttling window (plus a second): every test's failures fall in one window.
WINDOW_START = time.time() // throttle.WINDOW * throttle.WINDOW + 1


@pytest.fixture(autouse=True)
def _fast_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _login_clock(monkeypatch) -> None:
    monkeypatch.setattr(throttle, "clock", lambda: WINDOW_START)


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
    monkeypatch.setattr(throttle, "clock", lambda: WINDOW_START + throttle.WINDOW)
    assert login(client, "ed").status_code == 302


def test_login_is_throttled_per_address_across_usernames(client: Client, editor) -> None:
    for i in range(throttle.ADDRESS.limit):
        login(client, f"nobody{i}", "guess")
    assert login(client, "ed").status_code == 429
    assert login(Client(REMOTE_ADDR="198.51.100.8"), "ed").status_code == 302


def attack(username: str, addresses: int = 5) -> int:
    """Bad passwords for ``username`` from several addresses, each until it is refused; returns
    how many were answered (not refused)."""
    answered = 0
    for i in range(addresses):
        guesser = Client(REMOTE_ADDR=f"203.0.113.{i + 1}")
        for _ in range(throttle.PAIR.limit + 1):
            if login(guesser, username, "guess").status_code == 429:
                break
            answered += 1
        else:
            pytest.fail("an address guessed without limit")
    return answered


def test_guessing_from_many_addresses_does_not_lock_the_owner_out(editor) -> None:
    assert attack("ed") >= throttle.USERNAME.limit
    owner = Client(REMOTE_ADDR="198.51.100.9")
    assert login(owner, "ed").status_code == 302
    assert owner.get("/admin/").status_code == 200


def test_guessing_from_many_addresses_does_not_lock_an_enrolled_owner_out(editor) -> None:
    device = enrol(Client(), editor)
    fresh(device)
    attack("ed")
    owner = Client(REMOTE_ADDR="198.51.100.10")
    step = login(owner, "ed")
    assert step.status_code == 200 and 'name="code"' in step.content.decode()
    done = owner.post("/admin/login/", {"step": "code", "code": code_for(device),
                                        "next": "/admin/"})
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert owner.get("/admin/").status_code == 200


def test_a_username_under_attack_gives_each_address_fewer_attempts(editor) -> None:
    assert attack("ed", addresses=throttle.USERNAME.limit // throttle.PAIR.limit) == \
        throttle.USERNAME.limit
    late_guesser = Client(REMOTE_ADDR="198.51.100.11")
    for _ in range(throttle.PAIR_UNDER_ATTACK):
        assert login(late_guesser, "ed", "guess").status_code == 200
    assert login(late_guesser, "ed").status_code == 429  # no oracle: even the right password
    assert login(Client(REMOTE_ADDR="198.51.100.12"), "ed").status_code == 302


def test_concurrent_failures_are_each_counted_once(settings, tmp_path) -> None:
    # The production default, shared by every app process (core/sqlitecache.py).
    settings.CACHES = {"default": {"BACKEND": "core.sqlitecache.SQLiteCache",
                                   "LOCATION": str(tmp_path / "cache.sqlite3")}}
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="192.0.2.33")
    threads, each = 8, 25
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def guess() -> None:
        try:
            start.wait()
            for _ in range(each):
                throttle.record_failure(request, "ed")
        except BaseException as error:  # noqa: BLE001 (reported by the main thread)
            errors.append(error)

    workers = [threading.Thread(target=guess) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert throttle.failures(request, "ed") == {"pair": threads * each, "user": threads * each,
                                                "ip": threads * each}


def test_non_staff_cannot_sign_in_to_the_admin(client: Client, db) -> None:
    get_user_model().objects.create_user("visitor", "v@example.org", PASSWORD)
    assert login(client, "visitor").status_code == 200
    assert client.get("/admin/").status_code == 302


RECOVERY_CODE = re.compile(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>")


def enrolment(client: Client, user) -> tuple[TOTPDevice, str, list[str]]:
    """Enrol through the page: the device, the code that confirmed it, the recovery codes shown."""
    client.force_login(user)
    page = client.get("/admin/account/two-factor/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "otpauth" not in body.split("<svg", 1)[0].lower()[-200:]
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    setup_code = code_for(device)
    response = client.post("/admin/account/two-factor/", {"code": setup_code})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    return device, setup_code, RECOVERY_CODE.findall(response.content.decode())


def enrol(client: Client, user) -> TOTPDevice:
    return enrolment(client, user)[0]


def sign_in_with_code(username: str, code: str) -> tuple[Client, object]:
    client = Client()
    assert 'name="code"' in login(client, username).content.decode()
    return client, client.post("/admin/login/", {"step": "code", "code": code, "next": "/admin/"})


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


def test_two_factor_is_optional_for_staff_who_cannot_publish_moderate_or_export(
        settings, client: Client, editor) -> None:
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "REQUIRE_2FA": True}
    editor.user_permissions.add(Permission.objects.get(codename="view_statement"))
    login(client, "ed")
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("grant", [EDITOR, MODERATOR, "statements.publish", "signatures.export",
                                   "comments.moderate", "auth.change_user"])
def test_required_two_factor_covers_everyone_who_can_publish_moderate_or_export(
        settings, client: Client, editor, grant: str) -> None:
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "REQUIRE_2FA": True}
    if "." in grant:
        app_label, codename = grant.split(".")
        editor.user_permissions.add(Permission.objects.get(content_type__app_label=app_label,
                                                           codename=codename))
    else:
        editor.groups.add(Group.objects.get(name=grant))
    assert login(client, "ed").status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/account/two-factor/"
    assert "must use two-factor" in client.get("/admin/account/two-factor/").content.decode()
    device = TOTPDevice.objects.get(user=editor)
    client.post("/admin/account/two-factor/", {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200
    fresh(device)
    refused = client.post("/admin/account/two-factor/", {"action": "remove",
                                                         "code": code_for(device)})
    assert refused.status_code == 403
    assert TOTPDevice.objects.filter(user=editor, confirmed=True).exists()


def test_session_cookie_expires(client: Client, editor, settings) -> None:
    login(client, "ed")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert not cookie["expires"] and not cookie["max-age"]  # ends when the browser closes
    assert client.session.get_expiry_age() <= 12 * 60 * 60


def test_the_code_accepted_at_setup_signs_in_right_after(editor) -> None:
    _device, setup_code, _codes = enrolment(Client(), editor)
    # The same 30-second window: the phone still shows the code that confirmed the setup.
    client, done = sign_in_with_code("ed", setup_code)
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_sign_in_code_is_refused_the_second_time(editor) -> None:
    device = fresh(enrol(Client(), editor))
    code = code_for(device)
    assert sign_in_with_code("ed", code)[1].status_code == 302
    client, replay = sign_in_with_code("ed", code)
    assert replay.status_code == 200 and "not valid" in replay.content.decode()
    assert client.get("/admin/").status_code == 302


def test_enrolment_shows_ten_recovery_codes_once(editor) -> None:
    client = Client()
    _device, _setup, codes = enrolment(client, editor)
    assert len(codes) == 10 and len(set(codes)) == 10
    for path in ["/admin/account/two-factor/", "/admin/account/two-factor/recovery-codes/"]:
        response = client.get(path)
        assert csp_problems(response) == [], path
        assert "10 unused recovery codes" in response.content.decode()
        assert not any(code in response.content.decode() for code in codes)


def test_a_recovery_code_signs_in_once_in_place_of_the_phone(editor) -> None:
    _device, _setup, codes = enrolment(Client(), editor)
    typed = codes[3].upper().replace("-", " ")  # as read out from paper
    client, done = sign_in_with_code("ed", typed)
    assert done.status_code == 302 and done["Location"] == "/admin/account/two-factor/"
    page = client.get("/admin/account/two-factor/").content.decode()
    assert "9 unused recovery codes" in page and "Set up a new phone" in page
    assert client.get("/admin/").status_code == 200
    assert AuditEntry.objects.filter(action="account.recovery_code_used", actor=editor).exists()
    again_client, again = sign_in_with_code("ed", codes[3])
    assert again.status_code == 200 and "not valid" in again.content.decode()
    assert again_client.get("/admin/").status_code == 302
    assert StaticToken.objects.filter(device__user=editor).count() == 9


def test_new_recovery_codes_replace_the_old_ones(editor) -> None:
    client = Client()
    device, _setup, old = enrolment(client, editor)
    assert client.get("/admin/account/two-factor/recovery-codes/").status_code == 200
    assert StaticToken.objects.filter(device__user=editor).count() == 10  # GET changes nothing
    page = client.post("/admin/account/two-factor/recovery-codes/",
                       {"current_code": code_for(fresh(device))})
    assert csp_problems(page) == []
    new = RECOVERY_CODE.findall(page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert AuditEntry.objects.filter(action="account.recovery_codes_regenerated").exists()
    assert sign_in_with_code("ed", old[0])[1].status_code == 200
    assert sign_in_with_code("ed", new[0])[1].status_code == 302


def test_a_lost_phone_is_replaced_after_signing_in_with_a_recovery_code(settings, editor) -> None:
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "REQUIRE_2FA": True}
    editor.groups.add(Group.objects.get(name=EDITOR))
    old_device, _setup, codes = enrolment(Client(), editor)
    client, done = sign_in_with_code("ed", codes[0])
    assert done.status_code == 302
    page = client.get("/admin/account/two-factor/?replace=1")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    new_device = TOTPDevice.objects.get(user=editor, confirmed=False)
    confirmed = client.post("/admin/account/two-factor/", {"code": code_for(new_device)})
    assert "the old one no longer works" in confirmed.content.decode()
    assert client.get("/admin/").status_code == 200  # still signed in, now with the new phone
    assert not TOTPDevice.objects.filter(pk=old_device.pk).exists()
    assert sign_in_with_code("ed", code_for(new_device))[1].status_code == 302
    assert sign_in_with_code("ed", codes[1])[1].status_code == 302  # the other codes still work


def test_turning_two_factor_off_removes_the_recovery_codes(editor) -> None:
    client = Client()
    _device, _setup, codes = enrolment(client, editor)
    wrong = client.post("/admin/account/two-factor/", {"action": "remove", "code": "aaaa-aaaa"})
    assert "not valid" in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=editor).exists()
    client.post("/admin/account/two-factor/", {"action": "remove", "code": codes[0]})
    assert not TOTPDevice.objects.filter(user=editor).exists()
    assert not StaticToken.objects.filter(device__user=editor).exists()


# Changing the second factor asks for the current one: a stolen or unlocked session alone must not
# swap in its own authenticator, take fresh recovery codes or turn two-factor off.

def replace_page(client: Client, user) -> TOTPDevice:
    """Open "Set up a new phone"; the new (unconfirmed) device it shows."""
    page = client.get("/admin/account/two-factor/?replace=1")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    return TOTPDevice.objects.get(user=user, confirmed=False)


def assert_unchanged(user, old_device: TOTPDevice, codes: list[str]) -> None:
    """The old phone and the old recovery codes still sign in; no new phone was enrolled."""
    assert TOTPDevice.objects.filter(user=user, confirmed=True).get() == old_device
    assert StaticToken.objects.filter(device__user=user).count() == len(codes)
    assert sign_in_with_code(user.username, code_for(fresh(old_device)))[1].status_code == 302
    assert sign_in_with_code(user.username, codes[-1])[1].status_code == 302


@pytest.mark.parametrize("current", [None, "", "123456", "aaaa-aaaa"])
def test_replacing_the_phone_without_the_current_code_is_refused(editor, current) -> None:
    client = Client()
    old_device, _setup, codes = enrolment(client, editor)
    fresh(old_device)
    page = client.get("/admin/account/two-factor/?replace=1").content.decode()
    assert 'name="current_code"' in page
    new_device = TOTPDevice.objects.get(user=editor, confirmed=False)
    data = {"code": code_for(new_device)}
    if current is not None:
        data["current_code"] = current
    refused = client.post("/admin/account/two-factor/", data)
    assert refused.status_code == 400
    body = refused.content.decode()
    assert re.search(r'<ul class="errorlist"[^>]*>.*</ul><label for="id_current_code"', body), body
    new_device.refresh_from_db()
    assert not new_device.confirmed
    assert AuditEntry.objects.filter(action="account.2fa_replaced").count() == 0
    assert_unchanged(editor, old_device, codes)


@pytest.mark.parametrize("with_recovery_code", [False, True])
def test_replacing_the_phone_with_the_current_code(editor, with_recovery_code) -> None:
    client = Client()
    old_device, _setup, codes = enrolment(client, editor)
    new_device = replace_page(client, editor)
    current = codes[0] if with_recovery_code else code_for(fresh(old_device))
    done = client.post("/admin/account/two-factor/", {"code": code_for(new_device),
                                                      "current_code": current})
    assert done.status_code == 200 and "the old one no longer works" in done.content.decode()
    assert not TOTPDevice.objects.filter(pk=old_device.pk).exists()
    assert client.get("/admin/").status_code == 200
    assert sign_in_with_code("ed", code_for(fresh(new_device)))[1].status_code == 302
    # A recovery code given here is used up like one given at sign-in.
    assert StaticToken.objects.filter(device__user=editor).count() == (
        9 if with_recovery_code else 10)


def test_a_wrong_new_phone_code_does_not_use_up_the_current_code(editor) -> None:
    client = Client()
    old_device, _setup, codes = enrolment(client, editor)
    new_device = replace_page(client, editor)
    refused = client.post("/admin/account/two-factor/", {"code": "000000",
                                                         "current_code": codes[0]})
    assert "not valid" in refused.content.decode()
    new_device.refresh_from_db()
    assert not new_device.confirmed
    assert StaticToken.objects.filter(device__user=editor).count() == 10
    done = client.post("/admin/account/two-factor/", {"code": code_for(new_device),
                                                      "current_code": codes[0]})
    assert "the old one no longer works" in done.content.decode()


@pytest.mark.parametrize("current", [None, "", "123456", "aaaa-aaaa"])
def test_new_recovery_codes_without_the_current_code_are_refused(editor, current) -> None:
    client = Client()
    old_device, _setup, codes = enrolment(client, editor)
    fresh(old_device)
    page = client.get("/admin/account/two-factor/recovery-codes/").content.decode()
    assert 'name="current_code"' in page
    data = {} if current is None else {"current_code": current}
    refused = client.post("/admin/account/two-factor/recovery-codes/", data)
    assert refused.status_code == 400
    body = refused.content.decode()
    assert re.search(r'<ul class="errorlist"[^>]*>.*</ul><label for="id_current_code"', body), body
    assert RECOVERY_CODE.findall(body) == []
    assert not AuditEntry.objects.filter(action="account.recovery_codes_regenerated").exists()
    assert_unchanged(editor, old_device, codes)


def test_new_recovery_codes_with_a_recovery_code(editor) -> None:
    client = Client()
    _device, _setup, old = enrolment(client, editor)
    page = client.post("/admin/account/two-factor/recovery-codes/", {"current_code": old[5]})
    new = RECOVERY_CODE.findall(page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert sign_in_with_code("ed", old[0])[1].status_code == 200


def test_turning_two_factor_off_without_a_code_is_refused(editor) -> None:
    client = Client()
    old_device, _setup, codes = enrolment(client, editor)
    for data in [{"action": "remove"}, {"action": "remove", "code": "123456"}]:
        refused = client.post("/admin/account/two-factor/", data)
        assert refused.status_code == 400
    assert_unchanged(editor, old_device, codes)


def test_the_lost_phone_grace_is_short_and_used_once(editor) -> None:
    old_device, _setup, codes = enrolment(Client(), editor)
    client, done = sign_in_with_code("ed", codes[0])
    assert done.status_code == 302
    page = client.get("/admin/account/two-factor/?replace=1").content.decode()
    assert 'name="current_code"' not in page  # the recovery code just given is enough
    session = client.session
    session["accounts.recovery_sign_in_at"] -= 11 * 60  # later: another code is asked for
    session.save()
    new_device = replace_page(client, editor)
    refused = client.post("/admin/account/two-factor/", {"code": code_for(new_device)})
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(pk=old_device.pk, confirmed=True).exists()
    done = client.post("/admin/account/two-factor/", {"code": code_for(new_device),
                                                      "current_code": codes[1]})
    assert "the old one no longer works" in done.content.decode()
    # Within the grace, one new phone; the next one asks for a code again.
    client, _done = sign_in_with_code("ed", codes[2])
    newer = replace_page(client, editor)
    assert client.post("/admin/account/two-factor/",
                       {"code": code_for(newer)}).status_code == 200
    newest = replace_page(client, editor)
    assert client.post("/admin/account/two-factor/",
                       {"code": code_for(newest)}).status_code == 400
    assert TOTPDevice.objects.get(user=editor, confirmed=True) == newer
