"""Editors make, see and revoke tokens in the admin (docs/api.md, "Tokens")."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client

from api.models import ApiToken
from api.tokens import HEADER
from core.models import AuditEntry
from core.roles import EDITOR, MODERATOR

pytestmark = pytest.mark.django_db

ADD = "/admin/api/apitoken/add/"
LIST = "/admin/api/apitoken/"


def staff_client(username: str, *, role: str | None = None, permissions: tuple[str, ...] = ()
                 ) -> Client:
    user = User.objects.create_user(username, password="not-used-here", is_staff=True)
    if role:
        user.groups.add(Group.objects.get(name=role))
    for codename in permissions:
        app_label, name = codename.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label,
                                                         codename=name))
    client = Client()
    client.force_login(user)
    return client


def shown_token(html: str) -> str:
    match = re.search(r'id="api-token-text" type="text" readonly size="70" value="([^"]+)"', html)
    assert match, html[:2000]
    return match[1]


def test_an_editor_makes_a_token_sees_it_once_and_the_site_keeps_only_its_hash(
        client: Client) -> None:
    editor = staff_client("edna", role=EDITOR)
    response = editor.post(ADD, {"name": "CiviCRM sync", "scopes": ["read", "read_private"]})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = shown_token(response.content.decode())
    token = ApiToken.objects.get()
    prefix, secret = text.split(".")
    assert token.prefix == prefix and token.can_read_private and not token.can_sign
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.objects.values()))
    # Listed with its prefix and scopes; the secret is shown nowhere again.
    listing = editor.get(LIST).content.decode()
    assert prefix in listing and "read_private" in listing and secret not in listing
    assert secret not in editor.get(f"{LIST}{token.pk}/change/").content.decode()
    assert AuditEntry.objects.filter(action="api.token_created").count() == 1
    # It works at once.
    assert client.get("/api/v1/people", headers={HEADER: text}).status_code == 200


def test_read_private_needs_the_permission_to_export_addresses(client: Client) -> None:
    maker = staff_client("tom", permissions=("api.add_apitoken", "api.view_apitoken"))
    form = maker.get(ADD).content.decode()
    assert 'value="read"' in form and 'value="read_private"' not in form
    response = maker.post(ADD, {"name": "Sneaky", "scopes": ["read_private"]})
    assert response.status_code == 200 and not ApiToken.objects.exists()
    assert 'id="api-token-text"' not in response.content.decode()
    response = maker.post(ADD, {"name": "Partner site", "scopes": ["sign"]})
    assert ApiToken.objects.get().can_sign


def test_moderators_cannot_make_tokens() -> None:
    moderator = staff_client("mo", role=MODERATOR)
    assert moderator.get(ADD).status_code == 403
    assert moderator.post(ADD, {"name": "x", "scopes": ["read"]}).status_code == 403
    assert not ApiToken.objects.exists()


def test_revoking_is_audited_and_the_token_stops_working(client: Client) -> None:
    editor = staff_client("edna", role=EDITOR)
    text = shown_token(editor.post(ADD, {"name": "Old", "scopes": ["read"]}).content.decode())
    token = ApiToken.objects.get()
    assert client.get("/api/v1/", headers={HEADER: text}).status_code == 200
    editor.post(LIST, {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/v1/", headers={HEADER: text}).status_code == 401
    entry = AuditEntry.objects.get(action="api.token_revoked")
    assert entry.actor_name == "edna" and entry.target_id == str(token.pk)
    # Revoking again changes nothing; a token is never deleted.
    editor.post(LIST, {"action": "revoke", "_selected_action": [token.pk]})
    assert AuditEntry.objects.filter(action="api.token_revoked").count() == 1
    assert editor.get(f"{LIST}{token.pk}/delete/").status_code == 403
