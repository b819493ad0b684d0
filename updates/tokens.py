"""The one-click unsubscribe link of an update mail (RFC 8058).

A token is ``<signature id>.<mac>``. The MAC is keyed by the site's secret and mixes in the
signature's ``token_salt``: a withdrawal or an erasure changes or removes what it was made from,
so an old link then opens nothing. It does not expire: a link in a mail from a year ago must
still stop the news. Nothing about the signer is in it but the number of their signature.
"""

from __future__ import annotations

from django.utils.crypto import constant_time_compare, salted_hmac

from core.protection import canonical_number
from signatures.models import Signature

SALT = "undersigned.updates.unsubscribe"
MAX_TOKEN_LENGTH = 60


class TokenInvalid(Exception):
    """Forged, malformed, or for a signature that no longer exists (or was withdrawn)."""


def _mac(signature_id: int, token_salt: str) -> str:
    return salted_hmac(SALT, f"{signature_id}:{token_salt}", algorithm="sha256").hexdigest()[:32]


def make_token(signature_id: int, token_salt: str) -> str:
    return f"{signature_id}.{_mac(signature_id, token_salt)}"


def read_token(token: str) -> Signature:
    """The signature the token names. Raises TokenInvalid."""
    try:
        if len(token) > MAX_TOKEN_LENGTH or not token.isascii():
            raise ValueError
        id_text, mac = token.split(".")
        signature_id = canonical_number(id_text)
    except ValueError as exc:
        raise TokenInvalid from exc
    signature = (Signature.objects.select_related("statement").filter(pk=signature_id)
                 .exclude(status=Signature.Status.WITHDRAWN).first())
    if signature is None or not constant_time_compare(_mac(signature_id, signature.token_salt),
                                                      mac):
        raise TokenInvalid
    return signature
