"""Two-factor authentication (TOTP, django-otp) for editors and moderators, with single-use
recovery codes (django-otp's static tokens) for a lost phone."""

from __future__ import annotations

import base64
import re

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import audit
from core.roles import powerful_permissions

DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"
RECOVERY_CODE_COUNT = 10


def requires_two_factor(user: User) -> bool:
    """When the operator requires two-factor (UNDERSIGNED_REQUIRE_2FA): every superuser and every
    account that can publish, moderate, export or administer accounts — through a group or
    directly. Staff who can only read or draft may choose."""
    if not settings.UNDERSIGNED.get("REQUIRE_2FA") or not getattr(user, "is_active", False):
        return False
    return bool(getattr(user, "is_superuser", False)) or any(
        user.has_perm(permission) for permission in powerful_permissions())


def has_two_factor(user: User) -> bool:
    """An authenticator is enrolled. (Recovery codes come with one and are no second factor
    on their own.)"""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (kept between page loads so the QR code is stable)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_for_humans(device: TOTPDevice) -> str:
    """The key in the base32 form authenticator apps accept when typed, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    # Drawn here as inline SVG: the secret never leaves the server for a QR service.
    import segno  # on first use: the QR code is drawn once per new second factor

    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, title=None)


@transaction.atomic
def confirm_device(user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Enrol the authenticator being set up, replacing any earlier one (a new phone). Returns
    None when the code is refused; otherwise the new recovery codes to show, once — none when a
    replaced phone's account still has unused codes (they may be printed already)."""
    setup_last_t = device.last_t
    if device.user_id != user.pk or device.confirmed or not device.verify_token(code):
        return None
    # The setup code proves the app shows the right codes; it signs nobody in. Had it used up
    # its 30-second window (django-otp refuses a code at or before last_t), the sign-in right
    # after enrolment would refuse the code still on the phone's screen. Codes given at sign-in
    # still use up their window, so replay protection of sign-in codes is unchanged.
    device.last_t = setup_last_t
    device.confirmed = True
    device.save(update_fields=["confirmed", "last_t"])
    others = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk)
    replacing = others.filter(confirmed=True).exists()
    others.delete()
    codes = [] if replacing and recovery_codes_left(user) else _new_recovery_codes(user)
    audit.record(user, "account.2fa_replaced" if replacing else "account.2fa_enabled", user)
    return codes


def _for_humans(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _new_recovery_codes(user: User) -> list[str]:
    device = StaticDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    StaticToken.objects.filter(device__user=user).delete()
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())  # 8 characters of base32: 40 random bits
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(_for_humans(code) for code in codes)


@transaction.atomic
def regenerate_recovery_codes(user: User, *, actor: User) -> list[str]:
    """New recovery codes for an enrolled account; the old ones stop working."""
    codes = _new_recovery_codes(user)
    audit.record(actor, "account.recovery_codes_regenerated", user)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _normalised(code: str) -> str:
    return re.sub(r"[\s-]+", "", code).lower()


@transaction.atomic
def verify_second_factor(user: User, code: str) -> Device | None:
    """The device that accepts ``code`` at sign-in: the authenticator (each 30-second code once),
    else one of the recovery codes, which is then used up."""
    code = _normalised(code)
    if code.isdigit():
        for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
    token = (StaticToken.objects.select_related("device")
             .filter(device__user=user, device__confirmed=True, token=code).first())
    # Deleting is what uses the code up: of two sign-ins racing with one code, only the one
    # whose DELETE removed the row gets in.
    if token is None or not StaticToken.objects.filter(pk=token.pk).delete()[0]:
        return None
    audit.record(user, "account.recovery_code_used", user, left=recovery_codes_left(user))
    return token.device


@transaction.atomic
def remove_two_factor(user: User, *, actor: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(actor, "account.2fa_removed", user)
