"""Which addresses an endpoint may have: https, or plain http to this machine for testing."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    return host.lower() in LOOPBACK_HOSTS


def check_endpoint_url(url: str) -> str:
    """The URL as given, or a ValidationError saying what is wrong with it."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 -- raises ValueError for a port out of range
    except ValueError:
        raise ValidationError(_("Enter a valid URL.")) from None
    if not host:
        raise ValidationError(_("Enter a valid URL."))
    if parts.username or parts.password:
        raise ValidationError(_("The URL may not carry a user name or password: the requests "
                                "are signed with the secret instead."))
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and is_loopback(host):
        return url
    raise ValidationError(_("The URL must start with https:// (plain http:// only to this "
                            "machine, 127.0.0.1, localhost or [::1], for testing)."))
