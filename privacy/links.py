"""Data-rights links: from any mail we send, the owner of an address can see and erase what we
hold about it.

The token never contains the address (URLs end up in proxy logs and browser histories). It names
one record that holds the address — a signature or a comment — and its MAC covers that record's
current address, so the link dies by itself once the address is erased or changed.
"""

from __future__ import annotations

import hmac
import time

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import salted_hmac

from core import data_rights
from core.addresses import mailbox
from core.mail import absolute
from core.protection import base36, canonical_number

SALT = "undersigned.privacy.data-rights"
MAX_AGE_SECONDS = 180 * 24 * 60 * 60


class BadToken(Exception):
    """Forged, malformed, expired, or pointing at a record that no longer holds an address."""


def _mac(kind: str, record_id: int, issued: str, email: str) -> str:
    return salted_hmac(SALT, f"{kind}{record_id}.{issued}.{mailbox(email)}",
                       algorithm="sha256").hexdigest()[:32]


def _record_email(kind: str, record_id: int) -> str:
    holder = data_rights.by_kind(kind)
    return holder.address_of(record_id) if holder is not None else ""


def _record_for(email: str) -> tuple[str, int, str] | None:
    """The newest record held for exactly this mailbox, with the address as it stores it (the
    first registered kind that holds one: a signature before a comment)."""
    address = mailbox(email)
    if not address:
        return None
    for holder in data_rights.holders():
        found = holder.newest(address)
        if found:
            return holder.kind, *found
    return None


def make_token(email: str, *, now: float | None = None, record: object | None = None) -> str | None:
    """``record`` (the Signature or Comment a mail is about) saves a lookup by address."""
    holder = data_rights.kind_of(record) if record is not None else None
    if holder is not None and mailbox(getattr(record, "email", "")) == mailbox(email):
        found: tuple[str, int, str] | None = (
            holder.kind, record.pk, record.email)  # type: ignore[union-attr]
    else:
        found = _record_for(email)
    if found is None:
        return None
    # Signed with the address as the record holds it: read_token checks it against the record.
    kind, record_id, stored = found
    issued = base36(int(now if now is not None else time.time()))
    return f"{kind}{record_id}.{issued}.{_mac(kind, record_id, issued, stored)}"


def read_token(token: str, *, now: float | None = None) -> str:
    """The address the token was made for, or BadToken."""
    try:
        head, issued, mac = (token or "").split(".")
        kind, record_id = head[0], canonical_number(head[1:])
        issued_at = canonical_number(issued, 36)
    except (ValueError, IndexError) as exc:
        raise BadToken("malformed") from exc
    # compare_digest refuses non-ASCII text with a TypeError: check the shape first.
    if (data_rights.by_kind(kind) is None or record_id <= 0 or len(issued) > 8 or len(mac) != 32
            or not mac.isascii() or not mac.isalnum()):
        raise BadToken("malformed")
    email = _record_email(kind, record_id)
    if not email or not hmac.compare_digest(_mac(kind, record_id, issued, email), mac):
        raise BadToken("invalid")
    age = (now if now is not None else time.time()) - issued_at
    if age > MAX_AGE_SECONDS or age < -300:
        raise BadToken("expired")
    return mailbox(email)


def data_rights_url(email: str, language: str | None = None, *, record: object | None = None
                    ) -> str:
    """Absolute link for mails: "see or erase what we hold about this address". Empty when we
    hold nothing about it (call it after the record of the mail is saved). Pass the Signature or
    Comment the mail is about as ``record`` to skip looking the address up."""
    token = make_token(email, record=record)
    if token is None:
        return ""
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        return absolute(reverse("privacy:your-data", args=[token]))


def mail_footer(email: str, language: str | None = None, *, record: object | None = None) -> str:
    """Text to append to any mail to ``email``: empty when we hold nothing about it (e.g. mails
    to moderators)."""
    url = data_rights_url(email, language, record=record)
    if not url:
        return ""
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        from django.utils.translation import gettext

        return "\n-- \n" + gettext("See, download or erase what we hold about your address:") + \
            "\n" + url + "\n"
