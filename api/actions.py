"""What changes through the API's admin, and the audit of private reads (docs/api.md, "Tokens").

Every token made or revoked is an audit entry; so is every answer that gave an integration
private data — one entry per request, naming the token, the endpoint and the signatures read,
never an address.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from api.models import ApiToken
from api.tokens import Scope, make_token, revoke, scopes_of
from core.audit import record


def grantable_scopes(user: Any) -> set[Scope]:
    """The scopes a user may put on a token: reading and signing for whoever may add tokens;
    ``read_private`` only for those who may export the list with addresses, since the token
    hands out addresses."""
    if not user.has_perm("api.add_apitoken"):
        return set()
    scopes = {Scope.READ, Scope.SIGN}
    if user.has_perm("signatures.export_emails"):
        scopes.add(Scope.READ_PRIVATE)
    return scopes


class NotAllowed(Exception):
    pass


def do_create_token(*, actor: Any, name: str, scopes: set[Scope]) -> tuple[ApiToken, str]:
    """A new token and its text (shown once by the caller, never stored)."""
    if not scopes <= grantable_scopes(actor):
        raise NotAllowed
    with transaction.atomic():
        token, text = make_token(name=name, scopes=scopes, created_by=actor)
        record(actor, "api.token_created", token, scopes=sorted(scopes_of(token)))
    return token, text


def do_revoke_token(*, actor: Any, token: ApiToken) -> bool:
    """Revoke a live token; False when it already was."""
    if token.revoked_at is not None:
        return False
    with transaction.atomic():
        revoke(token)
        record(actor, "api.token_revoked", token)
    return True


def token_actor(token: ApiToken) -> str:
    return f"API token {token.name} ({token.prefix})"


def do_record_private_read(token: ApiToken, *, endpoint: str, signature_ids: list[int],
                           fields: list[str]) -> None:
    """One audit entry for one answer that carried private data."""
    record(token_actor(token), "api.read_private", token, endpoint=endpoint,
           signatures=signature_ids, fields=fields)
