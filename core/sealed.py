"""Addresses that must pass through the database without being readable there, and keyed
hashes that recognise an address without storing it.

Used where a request has to hand an address to the task worker without looking it up itself
(a lookup in the request takes longer for a known address than for an unknown one, and that
difference tells a stranger who signed: see docs/signing.md, "No mail?"). The task row holds
the address sealed under a key derived from the site's secret, which is kept in the data
directory, not in the database: a leaked database or backup alone does not reveal it. The
worker blanks the sealed value once it is done with it (``forget_task_arguments``).

The cipher is AES-256-GCM from the ``cryptography`` library (authenticated encryption, a random
96-bit nonce per value, the purpose bound as associated data): no home-made construction.
Every value is padded to ``SEALED_BYTES`` so that two sealed addresses have the same length
whatever their length. The library is imported on first use: loaded, it takes 8 MB of every
process's memory, and an app process seals only on a resend or a data-rights request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings

# The forms take at most 254 characters (RFC 5321), each at most 4 bytes of UTF-8; longer
# text is refused rather than cut.
SEALED_BYTES = 1024
_NONCE = 12
_TAG = 16


class BadSeal(Exception):
    """Not sealed by this site for this purpose (forged, truncated, or the key changed)."""


def _key(purpose: str, use: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"undersigned.sealed:{use}:{purpose}".encode(),
                    hashlib.sha256).digest()


def _cipher(purpose: str) -> Any:
    """The AES-GCM cipher of ``purpose`` (the library is imported here, on first use)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(_key(purpose, "enc"))


def seal(text: str, purpose: str) -> str:
    """``text`` encrypted and authenticated for ``purpose``; the same length for every text."""
    data = text.encode()
    if len(data) >= SEALED_BYTES:
        raise ValueError("too long to seal")
    padded = data + b"\0" * (SEALED_BYTES - len(data))
    nonce = secrets.token_bytes(_NONCE)
    cipher = _cipher(purpose).encrypt(nonce, padded, purpose.encode())
    return base64.urlsafe_b64encode(nonce + cipher).decode()


def unseal(sealed: str, purpose: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise BadSeal("malformed") from exc
    if len(raw) != _NONCE + SEALED_BYTES + _TAG:
        raise BadSeal("malformed")
    from cryptography.exceptions import InvalidTag

    try:
        padded = _cipher(purpose).decrypt(raw[:_NONCE], raw[_NONCE:], purpose.encode())
    except InvalidTag as exc:
        raise BadSeal("invalid") from exc
    return padded.rstrip(b"\0").decode()


def keyed_hash(text: str, purpose: str) -> str:
    """Recognises the same text again (a rate-limit counter per address) and, unlike a plain
    hash, cannot be matched against a list of guessed addresses without the site's secret."""
    return hmac.new(_key(purpose, "hash"), text.encode(), hashlib.sha256).hexdigest()[:40]


def forget_task_arguments(context: Any, *names: str) -> None:
    """Blank the named keyword arguments in the running task's own row. The worker saves only
    the row's status fields when the task ends, so the blanked arguments stay blank; a task
    that fails keeps them for its retry."""
    from django_tasks_db.models import DBTaskResult

    row = DBTaskResult.objects.filter(pk=context.task_result.id).only("args_kwargs").first()
    if row is None:
        return
    arguments = row.args_kwargs
    for name in names:
        if name in arguments.get("kwargs", {}):
            arguments["kwargs"][name] = ""
    DBTaskResult.objects.filter(pk=row.pk).update(args_kwargs=arguments)
