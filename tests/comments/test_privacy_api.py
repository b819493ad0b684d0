"""What the security helper's "download my data" and "forget me" call, and retention."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from comments import actions
from comments.models import Comment, KnownAddress, email_key
from statements.models import Statement
from tests.comments.conftest import page, post_ok

pytestmark = pytest.mark.django_db(transaction=True)


def test_export_lists_everything_held_about_an_address(anon, open_statement, statement):
    visible = post_ok(anon, open_statement, body="Public words", notify="on",
                      website="https://me.example")
    post_ok(anon, statement, body="Held words", email="AMINA@example.org")
    post_ok(anon, open_statement, body="Someone else", email="other@example.org")
    rows = actions.export_for_address("amina@example.org")
    json.dumps(rows)  # JSON-ready
    comments = [r for r in rows if r["type"] == "comment"]
    assert [c["text"] for c in comments] == ["Public words", "Held words"]
    assert comments[0]["id"] == visible.pk and comments[0]["email_me_replies"] is True
    assert comments[1]["status"] == "held"
    assert [r for r in rows if r["type"] == "address"]
    assert actions.export_for_address("nobody@example.org") == []


def test_erase_keeps_the_public_record_but_forgets_the_address(anon, open_statement, statement):
    visible = post_ok(anon, open_statement, body="Public words", notify="on")
    post_ok(anon, statement, body="Held words")
    parent_held_with_reply = post_ok(anon, open_statement, body="Spoke first")
    reply = post_ok(anon, open_statement, parent=parent_held_with_reply.pk, body="Answer",
                    email="other@example.org")
    Comment.objects.filter(pk=parent_held_with_reply.pk).update(status=Comment.Status.SPAM)
    actions.do_confirm_notifications(email_key("amina@example.org"))
    assert actions.erase_address("Amina@example.org") == 3
    visible.refresh_from_db()
    assert visible.body == "Public words" and visible.email == "" and visible.email_key == ""
    assert visible.ip_hash == "" and not visible.notify
    assert not Comment.objects.filter(body="Held words").exists()
    stub = Comment.objects.get(pk=parent_held_with_reply.pk)
    assert stub.status == Comment.Status.REMOVED and stub.body == "" and stub.name == "—"
    assert Comment.objects.get(pk=reply.pk).email == "other@example.org"
    assert not KnownAddress.objects.filter(email_key=email_key("amina@example.org")).exists()
    assert actions.export_for_address("amina@example.org") == []
    assert "Public words" in page(anon, open_statement)


def test_erase_can_take_the_public_comments_too(anon, open_statement):
    post_ok(anon, open_statement, body="Public words")
    actions.erase_address("amina@example.org", keep_public=False)
    assert not Comment.objects.exists()
    assert "Public words" not in page(anon, open_statement)


def test_retention_helpers(anon, open_statement):
    old = post_ok(anon, open_statement)
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    new = post_ok(anon, open_statement, body="new")
    assert actions.erase_old_ip_hashes(timezone.now() - timedelta(days=30)) == 1
    assert Comment.objects.get(pk=old.pk).ip_hash == ""
    assert Comment.objects.get(pk=new.pk).ip_hash != ""
    Statement.objects.filter(pk=open_statement.pk).update(
        status=Statement.Status.ARCHIVED, updated_at=timezone.now() - timedelta(days=100))
    assert actions.erase_emails_of_archived(timezone.now() - timedelta(days=90)) == 2
    assert not Comment.objects.exclude(email="").exists()
