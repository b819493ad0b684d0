"""API tokens: made, found and checked (docs/api.md, "Tokens").

The header ``OSDI-API-Token`` (Action Network's name) carries ``<prefix>.<secret>``. The row is
found by its prefix (an indexed equality); the secret's SHA-256 is compared in constant time.
A revoked token, an unknown one and a wrong secret are the same answer to the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import StrEnum
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from api.models import ApiToken

HEADER = "OSDI-API-Token"
PREFIX_BYTES = 6
SECRET_BYTES = 32
# last_used_at is written at most this often per token: a busy integration would otherwise
# write a row on every request.
TOUCH_EVERY_SECONDS = 60


class Scope(StrEnum):
    READ = "read"
    READ_PRIVATE = "read_private"
    SIGN = "sign"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def make_token(*, name: str, scopes: set[Scope], created_by: Any = None) -> tuple[ApiToken, str]:
    """A new token and its text, which is shown once and never stored."""
    prefix = secrets.token_hex(PREFIX_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    token = ApiToken.objects.create(
        name=name, prefix=prefix, secret_hash=_digest(secret),
        can_read=Scope.READ in scopes or Scope.READ_PRIVATE in scopes,
        can_read_private=Scope.READ_PRIVATE in scopes, can_sign=Scope.SIGN in scopes,
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None)
    return token, f"{prefix}.{secret}"


def scopes_of(token: ApiToken) -> set[Scope]:
    held = set()
    if token.can_read or token.can_read_private:
        held.add(Scope.READ)
    if token.can_read_private:
        held.add(Scope.READ_PRIVATE)
    if token.can_sign:
        held.add(Scope.SIGN)
    return held


class BadToken(Exception):
    """A token header was sent and is not a live token: answered 401, never as anonymous."""


def token_for(request: HttpRequest) -> ApiToken | None:
    """The live token the request carries; ``None`` without the header; ``BadToken`` for a
    header that names no live token (unknown, wrong secret, revoked, malformed)."""
    text = request.headers.get(HEADER)
    if text is None:
        return None
    prefix, _dot, secret = text.strip().partition(".")
    if not prefix or not secret or len(text) > 200:
        raise BadToken
    token = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    expected = token.secret_hash if token is not None else _digest("no such token")
    if not hmac.compare_digest(expected, _digest(secret)) or token is None:
        raise BadToken
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > TOUCH_EVERY_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
