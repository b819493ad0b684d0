"""The admin as editors meet it: apps named for them, messages in proper singular and plural,
and blank translation and image forms that need no JavaScript."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from comments.models import Comment
from tests.comments.conftest import post_ok
from tests.conftest import make_statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.org", "x"))
    return client


def test_the_admin_names_apps_for_editors(superuser_client):
    html = superuser_client.get("/admin/").content.decode()
    for raw in ("OTP_TOTP", "OTP_STATIC", "Tasks Database Backend", "Django administration"):
        assert raw not in html
    for named in ("Two-factor devices", "Two-factor recovery codes",
                  "Mail and background tasks", "Site settings"):
        assert named in html
    spanish = superuser_client.get("/admin/", headers={"Accept-Language": "es"})
    assert "Dispositivos de doble factor" in spanish.content.decode()


def messages_after(client: Client, url: str, action: str, pks: list[int]) -> str:
    response = client.post(url, {"action": action, "_selected_action": pks}, follow=True)
    return " ".join(str(m) for m in response.context["messages"])


def test_admin_messages_say_one_comment_and_two_comments(superuser_client, anon):
    statement = make_statement("talk")
    held = [post_ok(anon, statement, body=f"comment {n}", email=f"p{n}@example.org")
            for n in range(3)]
    url = "/admin/comments/comment/"
    assert messages_after(superuser_client, url, "approve", [held[0].pk]) == "1 comment approved."
    assert (messages_after(superuser_client, url, "remove", [held[1].pk, held[2].pk])
            == "2 comments removed.")
    assert Comment.objects.filter(status=Comment.Status.REMOVED).count() == 2


def test_admin_messages_say_one_statement(superuser_client):
    statement = make_statement("draft-one", status="draft")
    text = messages_after(superuser_client, "/admin/statements/statement/", "publish",
                          [statement.pk])
    assert text == "1 statement updated."


def total_forms(html: str, prefix: str) -> int:
    match = re.search(rf'name="{prefix}-TOTAL_FORMS" value="(\d+)"', html)
    assert match is not None, prefix
    return int(match.group(1))


def test_without_javascript_the_statement_form_offers_a_blank_translation_and_image(
        superuser_client):
    statement = make_statement("water")
    for url in ("/admin/statements/statement/add/",
                f"/admin/statements/statement/{statement.pk}/change/"):
        html = superuser_client.get(url).content.decode()
        assert total_forms(html, "translations") >= 1
        assert total_forms(html, "images") >= 1
        assert 'name="translations-0-title"' in html and 'name="images-0-alt"' in html
