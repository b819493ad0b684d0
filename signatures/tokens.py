"""Links mailed to a signer: confirm and manage.

A token is ``<id>.<issued, base 36>.<mac>``. The MAC is keyed by the site's secret and mixes in
the signature's own ``token_salt``, so a leaked database alone cannot forge links and changing
the salt revokes every link mailed before. Nothing about the signer is in the token.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from core.protection import base36, canonical_number
from signatures.models import Signature

CONFIRM = "confirm"
MANAGE = "manage"
MAX_TOKEN_LENGTH = 120


class TokenInvalid(Exception):
    """Forged, malformed, or for a signature that no longer exists."""


class TokenExpired(Exception):
    """Genuine once, but older than its purpose allows."""


def _mac(purpose: str, signature_id: int, issued: str, salt: str) -> str:
    return salted_hmac("undersigned.signature-link", f"{purpose}:{signature_id}:{issued}:{salt}",
                       algorithm="sha256").hexdigest()[:32]


def make_token(signature: Signature, purpose: str, *, now: float | None = None) -> str:
    issued = base36(int(now if now is not None else time.time()))
    return f"{signature.pk}.{issued}.{_mac(purpose, signature.pk, issued, signature.token_salt)}"


def confirm_max_age() -> int:
    return int(settings.UNDERSIGNED.get("UNCONFIRMED_EXPIRY_DAYS") or 7) * 86400


def read_token(token: str, purpose: str) -> Signature:
    """The signature a token opens. Raises TokenInvalid or TokenExpired."""
    try:
        if len(token) > MAX_TOKEN_LENGTH:
            raise ValueError
        id_text, issued, mac = token.split(".")
        signature_id = canonical_number(id_text)
        issued_at = canonical_number(issued, 36)
    except ValueError as exc:
        raise TokenInvalid from exc
    age = time.time() - issued_at
    expired = purpose == CONFIRM and age > confirm_max_age()
    signature = (Signature.objects.select_related("statement", "organisation")
                 .filter(pk=signature_id).first())
    if signature is None:
        # Expired unconfirmed signatures are deleted: an old link is "expired", not "forged".
        raise TokenExpired if expired else TokenInvalid
    if not constant_time_compare(_mac(purpose, signature_id, issued, signature.token_salt), mac):
        raise TokenInvalid
    if expired:
        raise TokenExpired
    return signature
