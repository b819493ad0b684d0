"""Editors register endpoints in the admin: https only (plain http to this machine for
testing), the private scope only for who may export addresses, the secret shown and rotated."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from core.models import AuditEntry
from tests.signatures.conftest import moderator_client  # noqa: F401 (fixture)
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

ADD = "/admin/webhooks/webhookendpoint/add/"


def form(url: str = "https://crm.example.org/hooks", **extra: object) -> dict[str, object]:
    return {"name": "CRM", "url": url, "statement": "", "scope": "public",
            "events": ["signature.confirmed", "signature.withdrawn"], **extra}


@pytest.fixture
def editor_client(editor: User) -> Client:
    client = Client()
    client.force_login(editor)
    return client


@pytest.mark.parametrize("url", [
    "https://crm.example.org/hooks", "http://127.0.0.1:8080/hooks", "http://localhost/x",
    "http://[::1]:9000/",
])
def test_https_or_this_machine_is_accepted(editor_client, url):
    response = editor_client.post(ADD, form(url))
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.url == url and endpoint.status == "active"
    assert endpoint.events == ["signature.confirmed", "signature.withdrawn"]
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) == 50
    page = editor_client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/")
    assert endpoint.secret in page.content.decode()
    assert AuditEntry.objects.filter(action="webhook.create", target_id=str(endpoint.pk)
                                     ).exists()


@pytest.mark.parametrize(("url", "message"), [
    ("http://crm.example.org/hooks", "must start with https://"),
    ("http://10.0.0.5/hooks", "must start with https://"),
    ("ftp://crm.example.org/", "must start with https://"),
    ("https://user:pw@crm.example.org/", "user name or password"),
    ("https://crm.example.org:99999/", "Enter a valid URL"),
    ("not a url", "Enter a valid URL"),
    ("https://" + "a" * 600 + ".org/", "at most 500 characters"),
])
def test_other_addresses_are_refused_clearly(editor_client, url, message):
    response = editor_client.post(ADD, form(url))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_unknown_event_is_refused(editor_client):
    response = editor_client.post(ADD, form(events=["signature.confirmed", "everything"]))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_private_scope_needs_the_address_export_permission(editor, editor_client):
    editor.groups.clear()  # the webhook permissions alone, not the export of addresses
    editor.user_permissions.set(Permission.objects.filter(content_type__app_label="webhooks"))
    editor = User.objects.get(pk=editor.pk)
    response = editor_client.post(ADD, form(scope="private"))
    assert response.status_code == 200
    assert "Only editors who may export" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
    assert editor_client.post(ADD, form(scope="public")).status_code == 302


def test_an_editor_may_choose_private_scope(editor_client):
    assert editor_client.post(ADD, form(scope="private")).status_code == 302
    assert WebhookEndpoint.objects.get().scope == "private"


def test_rotating_and_disabling_from_the_list(editor_client):
    editor_client.post(ADD, form())
    endpoint = WebhookEndpoint.objects.get()
    changelist = "/admin/webhooks/webhookendpoint/"
    editor_client.post(changelist, {"action": "rotate_secret",
                                    "_selected_action": [endpoint.pk]})
    editor_client.post(changelist, {"action": "disable", "_selected_action": [endpoint.pk]})
    rotated = WebhookEndpoint.objects.get()
    assert rotated.secret != endpoint.secret and rotated.previous_secret == endpoint.secret
    assert rotated.status == "disabled"
    assert "disabled" in editor_client.get(changelist).content.decode()


def test_a_moderator_may_not_see_endpoints(moderator_client):  # noqa: F811
    assert moderator_client.get("/admin/webhooks/webhookendpoint/").status_code == 403
    assert moderator_client.post(ADD, form()).status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_only_who_may_export_addresses_may_change_a_private_endpoint(editor, editor_client):
    assert editor_client.post(ADD, form(scope="private")).status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    editor.groups.clear()  # now the webhook permissions alone
    editor.user_permissions.set(Permission.objects.filter(content_type__app_label="webhooks"))
    change = f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/"
    for scope in ("private", "public"):
        response = editor_client.post(change, form("https://attacker.example.net/",
                                                   scope=scope))
        assert response.status_code == 200
        assert "only editors who may export them may change it" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == "https://crm.example.org/hooks" and endpoint.scope == "private"
