"""Editors write an update with a translation in the admin, publish it and mail it with the
admin actions; a moderator may not; a translation in the statement's own language is refused."""

from __future__ import annotations

import pytest
from django.test import Client

from core.models import AuditEntry
from tests.signatures.conftest import editor_client, moderator_client  # noqa: F401 (fixtures)
from tests.updates.conftest import make_signer, make_update
from updates.models import Update, UpdateMail

pytestmark = pytest.mark.django_db


def add_form(statement_id: int, **extra: str) -> dict[str, str]:
    return {"statement": str(statement_id), "title": "We delivered the letter",
            "body": "The minister received it.",
            "translations-TOTAL_FORMS": "1", "translations-INITIAL_FORMS": "0",
            "translations-MIN_NUM_FORMS": "0", "translations-MAX_NUM_FORMS": "1000",
            "translations-0-language": "es", "translations-0-title": "Entregamos la carta",
            "translations-0-body": "La ministra la recibió.", **extra}


def test_an_editor_writes_publishes_and_mails_an_update(editor_client: Client, statement):  # noqa: F811
    make_signer(statement, "rosa@example.org")
    response = editor_client.post("/admin/updates/update/add/", add_form(statement.pk))
    assert response.status_code == 302, response.content.decode()[:3000]
    update = Update.objects.get()
    assert update.translations.get().title == "Entregamos la carta"
    assert update.created_by is not None and update.created_by.username == "edna"
    assert update.published_at is None
    changelist = "/admin/updates/update/"
    assert editor_client.post(changelist, {"action": "publish",
                                           "_selected_action": [update.pk]}).status_code == 302
    assert editor_client.post(changelist, {"action": "send",
                                           "_selected_action": [update.pk]}).status_code == 302
    update.refresh_from_db()
    assert update.published_at is not None and update.sent_at is not None
    assert UpdateMail.objects.count() == 1
    # Pressed again: refused, nothing queued twice.
    response = editor_client.post(changelist, {"action": "send", "_selected_action": [update.pk]},
                                  follow=True)
    assert "was sent already" in response.content.decode()
    assert UpdateMail.objects.count() == 1
    assert list(AuditEntry.objects.filter(target_type="updates.update", action__startswith="update.")
                .order_by("id")
                .values_list("action", "actor_name")) == [("update.publish", "edna"),
                                                          ("update.send", "edna")]


def test_a_translation_in_the_statements_own_language_is_refused(editor_client: Client,  # noqa: F811
                                                                 statement):
    update = make_update(statement, published=False)
    form = add_form(statement.pk, **{"translations-0-language": "en"})
    response = editor_client.post(f"/admin/updates/update/{update.pk}/change/", form)
    assert response.status_code == 200
    assert "This is the statement&#x27;s own language" in response.content.decode()
    assert not update.translations.exists()


def test_a_moderator_cannot_publish_or_send(moderator_client: Client, statement):  # noqa: F811
    update = make_update(statement, published=False)
    response = moderator_client.post("/admin/updates/update/",
                                     {"action": "publish", "_selected_action": [update.pk]})
    assert response.status_code in (302, 403)
    update.refresh_from_db()
    assert update.published_at is None
