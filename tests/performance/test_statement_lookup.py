"""The statement a sign-on or comment posts to is kept per process (statements.lookup) until the
statement itself changes: a change an editor or moderator makes is obeyed by the very next post,
while new signatures and comments never make the forms read the statement's row again.

Transactional tests: the generations are bumped on commit, as in production, so a bump that
only happened on commit (or one that happened on every comment's commit) shows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments import actions as comment_actions
from comments.models import Comment
from comments.public import FORM_PURPOSE
from core import generations, protection
from signatures import actions as signature_actions
from signatures.models import Signature
from statements import actions as statement_actions
from statements.models import Statement
from tests.conftest import make_statement
from tests.signatures.conftest import post_sign, sign_data

pytestmark = pytest.mark.django_db(transaction=True)

STATEMENT_TABLE = '"statements_statement"'


@pytest.fixture(autouse=True)
def _quick_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(protection, "MIN_FILL_SECONDS", 0)


@pytest.fixture
def open_statement(db) -> Statement:
    return make_statement("open-talk", comment_moderation=Statement.CommentModeration.NONE)


def post_comment(client: Client, statement: Statement, n: int, **fields: Any) -> HttpResponse:
    data = {"name": f"Amina {n}", "email": f"amina{n}@example.org", "website": "",
            "body": f"Solidarity, {n}.",
            protection.TOKEN_FIELD: protection.form_token(FORM_PURPOSE, statement.pk)}
    data.update(fields)
    return client.post(f"/en/comments/{statement.pk}/", data, REMOTE_ADDR=f"198.51.100.{n}")


def fresh(statement: Statement) -> Statement:
    """Another instance of the row, as the admin or a moderator's request would have."""
    return Statement.objects.get(pk=statement.pk)


def statement_queries(capture: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in capture.captured_queries if STATEMENT_TABLE in q["sql"]]


# --- a change to the statement is obeyed by the next post -------------------------------------

@pytest.mark.parametrize("how", ["save", "admin action"])
def test_closing_a_statement_refuses_the_very_next_sign_on(anon, statement, how):
    assert post_sign(anon, statement, email="before@example.org").status_code == 303
    editor_copy = fresh(statement)
    if how == "save":
        editor_copy.status = Statement.Status.CLOSED
        editor_copy.save()
    else:
        statement_actions.do_close(editor_copy, actor=None)
    response = post_sign(anon, statement, email="after@example.org")
    assert response.status_code == 403
    assert b"no longer accepts signatures" in response.content
    assert list(Signature.objects.values_list("email", flat=True)) == ["before@example.org"]


def test_reopening_a_closed_statement_takes_sign_ons_again_at_once(anon):
    statement = make_statement("reopened", status=Statement.Status.CLOSED)
    assert post_sign(anon, statement, email="early@example.org").status_code == 403
    editor_copy = fresh(statement)
    editor_copy.status = Statement.Status.PUBLISHED
    editor_copy.save()
    assert post_sign(anon, statement, email="later@example.org").status_code == 303
    assert list(Signature.objects.values_list("email", flat=True)) == ["later@example.org"]


def test_a_new_deadline_set_by_the_editors_applies_to_the_next_sign_on(anon, statement):
    assert post_sign(anon, statement, email="before@example.org").status_code == 303
    editor_copy = fresh(statement)
    editor_copy.signing_deadline = timezone.now() - timedelta(minutes=1)
    editor_copy.save()
    assert post_sign(anon, statement, email="after@example.org").status_code == 403


def test_a_comment_lockdown_refuses_the_next_comment_and_lifting_it_lets_them_in(
        anon, open_statement, admin_user):
    assert post_comment(anon, open_statement, 1).status_code == 303
    comment_actions.do_lockdown(fresh(open_statement), actor=admin_user, mode="close",
                                until=timezone.now() + timedelta(hours=1))
    refused = post_comment(anon, open_statement, 2)
    assert refused.status_code == 403
    assert b"closed for new comments" in refused.content
    assert Comment.objects.count() == 1
    comment_actions.do_lift_lockdown(fresh(open_statement), actor=admin_user)
    assert post_comment(anon, open_statement, 3).status_code == 303
    assert Comment.objects.count() == 2


def test_a_holding_lockdown_holds_the_next_comment(anon, open_statement, admin_user):
    assert post_comment(anon, open_statement, 1).status_code == 303
    assert Comment.objects.get().status == Comment.Status.VISIBLE
    comment_actions.do_lockdown(fresh(open_statement), actor=admin_user, mode="hold",
                                until=timezone.now() + timedelta(hours=1))
    assert post_comment(anon, open_statement, 2).status_code == 303
    assert Comment.objects.latest("id").status == Comment.Status.HELD


def test_a_statement_taken_back_to_draft_is_gone_for_both_forms(anon, open_statement):
    assert post_sign(anon, open_statement, email="before@example.org").status_code == 303
    assert post_comment(anon, open_statement, 1).status_code == 303
    editor_copy = fresh(open_statement)
    editor_copy.status = Statement.Status.DRAFT
    editor_copy.save()
    assert post_sign(anon, open_statement, email="after@example.org").status_code == 404
    assert post_comment(anon, open_statement, 2).status_code == 404
    assert (Signature.objects.count(), Comment.objects.count()) == (1, 1)


def test_a_renamed_statement_is_not_signed_under_its_old_address(anon, statement):
    assert post_sign(anon, statement, email="before@example.org").status_code == 303
    editor_copy = fresh(statement)
    editor_copy.slug = "water-is-a-right"
    editor_copy.save()
    assert post_sign(anon, statement, email="old@example.org").status_code == 404
    assert post_sign(anon, editor_copy, email="new@example.org").status_code == 303
    assert sorted(Signature.objects.values_list("email", flat=True)) == [
        "before@example.org", "new@example.org"]


def test_unknown_and_draft_statements_are_404_for_both_forms(anon):
    draft = make_statement("draft", status=Statement.Status.DRAFT,
                           comment_moderation=Statement.CommentModeration.NONE)
    assert post_sign(anon, draft).status_code == 404
    assert anon.post("/en/sign/no-such-statement/", sign_data(draft)).status_code == 404
    assert post_comment(anon, draft, 1).status_code == 404
    assert anon.post(f"/en/comments/{draft.pk + 1000}/", {"name": "Amina", "body": "Hi.",
                                                          "email": "a@example.org"}
                     ).status_code == 404
    assert (Signature.objects.count(), Comment.objects.count()) == (0, 0)
    # A 404 is not kept: once the draft is published the next posts are taken.
    editor_copy = fresh(draft)
    editor_copy.status = Statement.Status.PUBLISHED
    editor_copy.published_at = timezone.now()
    editor_copy.save()
    assert post_sign(anon, draft).status_code == 303
    assert post_comment(anon, draft, 2).status_code == 303
    assert (Signature.objects.count(), Comment.objects.count()) == (1, 1)


# --- new signatures and comments do not make the forms read the statement again -------------

def test_a_second_sign_on_does_not_read_the_statement(anon, statement):
    with CaptureQueriesContext(connection) as first:
        assert post_sign(anon, statement, email="one@example.org").status_code == 303
    assert statement_queries(first)  # the yardstick: the first post had to read it
    # Another signature becomes visible meanwhile: its count changes, the statement does not.
    signature_actions.do_confirm(Signature.objects.get(email="one@example.org"))
    with CaptureQueriesContext(connection) as second:
        assert post_sign(anon, statement, email="two@example.org").status_code == 303
    assert statement_queries(second) == []
    assert Signature.objects.count() == 2


def test_re_reading_the_generations_does_not_read_the_statement(anon, statement, monkeypatch):
    # Each process re-reads the shared generations every second; the row stays unread.
    assert post_sign(anon, statement, email="one@example.org").status_code == 303
    monkeypatch.setattr(generations, "GENERATION_CHECK_SECONDS", 0)
    with CaptureQueriesContext(connection) as second:
        assert post_sign(anon, statement, email="two@example.org").status_code == 303
    assert statement_queries(second) == []


def test_new_visible_comments_do_not_make_the_next_comment_read_the_statement(
        anon, open_statement):
    with CaptureQueriesContext(connection) as first:
        assert post_comment(anon, open_statement, 1).status_code == 303
    assert statement_queries(first)
    assert Comment.objects.get().status == Comment.Status.VISIBLE  # and the page was told
    with CaptureQueriesContext(connection) as second:
        assert post_comment(anon, open_statement, 2).status_code == 303
    assert statement_queries(second) == []
    assert Comment.objects.filter(status=Comment.Status.VISIBLE).count() == 2
