"""Two-factor authentication (TOTP, django-otp) for editors and moderators."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import audit

DEVICE_NAME = "authenticator"


def requires_two_factor(user: AbstractBaseUser) -> bool:
    """Superusers must use two-factor authentication when the operator says so."""
    return bool(settings.UNDERSIGNED.get("REQUIRE_2FA")) and bool(getattr(user, "is_superuser", False))


def has_two_factor(user: AbstractBaseUser) -> bool:
    return user_has_device(user, confirmed=True)


def pending_device(user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed device being enrolled (kept between page loads so the QR code is stable)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_for_humans(device: TOTPDevice) -> str:
    """The key in the base32 form authenticator apps accept when typed, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    # Drawn here as inline SVG: the secret never leaves the server for a QR service.
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, title=None)


@transaction.atomic
def confirm_device(user: AbstractBaseUser, device: TOTPDevice, code: str) -> bool:
    if device.user_id != user.pk or device.confirmed or not device.verify_token(code):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    audit.record(user, "account.2fa_enabled", user)
    return True


@transaction.atomic
def remove_two_factor(user: AbstractBaseUser, actor: AbstractBaseUser) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    audit.record(actor, "account.2fa_removed", user)
