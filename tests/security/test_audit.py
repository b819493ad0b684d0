"""Every editor and moderator action is in the audit log; nobody can change or delete it."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from core import audit
from core.models import AuditEntry, AuditLogIsAppendOnly
from core.roles import ensure_role_groups
from statements.models import Organisation
from tests.conftest import make_statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", "root@example.org", "correct horse 1")


@pytest.fixture
def editor_client() -> Client:
    ensure_role_groups()
    user = get_user_model().objects.create_user("ed", "ed@example.org", "x", is_staff=True)
    user.groups.add(Group.objects.get(name="editor"))
    client = Client()
    client.force_login(user)
    return client


def test_admin_add_change_and_delete_are_mirrored(client: Client, superuser) -> None:
    client.force_login(superuser)
    response = client.post("/admin/statements/organisation/add/",
                           {"name": "Water Union", "slug": "water-union", "website": "",
                            "description": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    organisation = Organisation.objects.get(slug="water-union")
    client.post(f"/admin/statements/organisation/{organisation.pk}/change/",
                {"name": "Water Union 2", "slug": "water-union", "website": "", "description": ""})
    client.post(f"/admin/statements/organisation/{organisation.pk}/delete/", {"post": "yes"})
    actions = list(AuditEntry.objects.filter(target_type="statements.organisation")
                   .order_by("id").values_list("action", flat=True))
    assert actions[:1] == ["admin.add"] and "admin.change" in actions and actions[-1] == "admin.delete"
    assert AuditEntry.objects.filter(actor=superuser, action="admin.delete",
                                     target_repr="Water Union 2").exists()


def test_bulk_delete_is_mirrored_entry_by_entry(client: Client, superuser) -> None:
    client.force_login(superuser)
    organisations = [Organisation.objects.create(name=f"Org {i}", slug=f"org-{i}") for i in range(3)]
    response = client.post("/admin/statements/organisation/", {
        "action": "delete_selected", "_selected_action": [o.pk for o in organisations], "post": "yes"})
    assert response.status_code == 302
    assert not Organisation.objects.filter(slug__startswith="org-").exists()
    deleted = AuditEntry.objects.filter(action="admin.delete", target_type="statements.organisation")
    assert sorted(deleted.values_list("target_repr", flat=True)) == ["Org 0", "Org 1", "Org 2"]


def test_log_entries_written_directly_are_mirrored(superuser) -> None:
    statement = make_statement()
    LogEntry.objects.log_actions(superuser.pk, [statement], CHANGE, "settings")
    assert AuditEntry.objects.filter(action="admin.change", target_id=str(statement.pk)).exists()


def test_editors_can_read_the_audit_log_but_not_change_it(editor_client: Client) -> None:
    entry = audit.record("system", "test.action")
    assert editor_client.get("/admin/core/auditentry/").status_code == 200
    assert editor_client.get(f"/admin/core/auditentry/{entry.pk}/change/").status_code == 200
    assert editor_client.post(f"/admin/core/auditentry/{entry.pk}/change/",
                              {"action": "forged"}).status_code == 403
    assert editor_client.get(f"/admin/core/auditentry/{entry.pk}/delete/").status_code == 403
    assert editor_client.get("/admin/core/auditentry/add/").status_code == 403
    entry.refresh_from_db()
    assert entry.action == "test.action"


def test_not_even_a_superuser_can_change_or_delete_entries(client: Client, superuser) -> None:
    entry = audit.record(superuser, "statement.published")
    client.force_login(superuser)
    assert client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post("/admin/core/auditentry/", {
        "action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert response.status_code in (200, 302)
    changelist = client.get("/admin/core/auditentry/").content.decode()
    assert "delete_selected" not in changelist


def test_the_orm_refuses_to_change_or_delete_entries() -> None:
    entry = audit.record("system", "test.action")
    entry.action = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.update(action="x")


def test_deleting_an_editor_keeps_their_entries(superuser) -> None:
    user = get_user_model().objects.create_user("gone", "g@example.org", "x", is_staff=True)
    audit.record(user, "signature.approve")
    user.delete()
    entry = AuditEntry.objects.get(action="signature.approve")
    assert entry.actor is None and entry.actor_name == "gone"
