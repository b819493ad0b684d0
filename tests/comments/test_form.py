"""The "Leave a reply" form, the author's own view, "remember me", and the cached page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from comments import tokens
from comments.models import Comment
from statements.models import Statement
from tests.comments.conftest import form_data, page, post, post_ok
from tests.conftest import make_statement

pytestmark = pytest.mark.django_db(transaction=True)


def section(html: str) -> str:
    return html[html.index('<section class="discussion"'):]


def test_form_has_the_contract_fields_and_says_what_is_required(anon, statement):
    html = section(page(anon, statement))
    for name in ("name", "email", "website", "body"):
        assert f'name="{name}"' in html
    assert "Leave a reply" in html
    assert "Your email address will not be published." in html
    # Required in words, not only with an asterisk, and the note sits by the email field.
    assert html.count("(required)") >= 3
    assert 'aria-describedby="comment-email-help' in html
    remember = re.search(r'<input type="checkbox" name="remember"[^>]*>', html).group(0)
    assert "checked" not in remember
    assert 'name="fax"' in html  # honeypot


def test_statement_page_is_the_same_bytes_for_everyone_and_sets_no_cookie(
        anon, client, open_statement, frozen_limit_clock):
    # Both renderings in one form-token window: the page's token changes with the window.
    post_ok(anon, open_statement)
    first = anon.get(f"/en/s/{open_statement.slug}/")
    second = client.get(f"/en/s/{open_statement.slug}/")
    assert first.content == second.content
    assert not first.cookies and "csrfmiddlewaretoken" not in first.content.decode()


def test_comment_under_policy_none_is_shown_with_its_rendered_text(anon, open_statement):
    comment = post_ok(anon, open_statement, body="We *stand* with you. [More](https://example.org/x)")
    assert comment.status == Comment.Status.VISIBLE
    assert "<em>stand</em>" in comment.body_html
    assert 'rel="nofollow ugc noopener"' in comment.body_html
    html = page(anon, open_statement)
    assert f'id="comment-{comment.pk}"' in html and "<em>stand</em>" in html


def test_held_comment_is_shown_only_to_its_author_through_a_separate_response(anon, client,
                                                                              statement):
    response = post(anon, statement, body="Held words here")
    assert response.status_code == 303
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.HELD
    assert "Held words here" not in page(client, statement)
    mine = anon.get(response["Location"])
    assert mine.status_code == 200
    text = mine.content.decode()
    assert "awaiting moderation" in text and "Held words here" in text
    assert "no-store" in mine["Cache-Control"] and "private" in mine["Cache-Control"]
    assert not mine.cookies  # a token in the address, never a cookie
    # Without the token, or with a forged one, nothing.
    assert client.get(f"/en/comments/c/{comment.pk}/yours/").status_code == 404
    assert client.get(f"/en/comments/c/{comment.pk}/yours/?t=1:x:y").status_code == 404


def test_author_token_is_short_lived_and_bound_to_its_comment(anon, statement, monkeypatch):
    first = post_ok(anon, statement)
    second = post_ok(anon, statement, body="Another")
    token = tokens.author_token(first.pk)
    assert anon.get(f"/en/comments/c/{second.pk}/yours/?t={token}").status_code == 404
    later = timezone.now().timestamp() + tokens.AUTHOR_TOKEN_SECONDS + 5
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert anon.get(f"/en/comments/c/{first.pk}/yours/?t={token}").status_code == 404


def test_remember_me_sets_a_cookie_only_when_ticked_and_only_for_comment_pages(
        anon, open_statement, frozen_limit_clock):
    response = post(anon, open_statement)
    assert "undersigned_commenter" not in response.cookies
    response = post(anon, open_statement, remember="on", body="again", website="https://a.example")
    cookie = response.cookies["undersigned_commenter"]
    assert cookie["path"] == "/en/comments/"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "amina@example.org" not in cookie.value  # signed and compressed, not plain text
    # The statement page does not change for this visitor.
    assert anon.get(f"/en/s/{open_statement.slug}/").content == \
        type(anon)().get(f"/en/s/{open_statement.slug}/").content
    # The reply page (a separate, private response) is prefilled.
    target = Comment.objects.latest("id")
    reply = anon.get(f"/en/comments/{open_statement.pk}/?replyto={target.pk}")
    text = reply.content.decode()
    assert 'value="Amina"' in text and 'value="amina@example.org"' in text
    assert "private" in reply["Cache-Control"]
    # Unticking it forgets the visitor.
    response = post(anon, open_statement, body="third")
    assert response.cookies["undersigned_commenter"].value == ""


def test_form_page_keeps_input_and_puts_errors_next_to_the_field(anon, statement):
    response = post(anon, statement, email="not-an-address", body="Kept text")
    assert response.status_code == 400
    text = response.content.decode()
    assert 'id="comment-email-errors"' in text and 'aria-invalid="true"' in text
    assert "Kept text" in text and 'value="not-an-address"' in text
    assert re.search(r'id="comment-email"[^>]*autofocus', text)
    assert Comment.objects.count() == 0


def test_closed_policy_and_archived_statement_refuse_comments(anon):
    closed = make_statement("closed-talk", comment_moderation=Statement.CommentModeration.CLOSED)
    assert "Comments are closed." in page(anon, closed)
    assert 'name="body"' not in page(anon, closed)
    assert post(anon, closed).status_code == 403
    archived = make_statement("old", status=Statement.Status.ARCHIVED,
                              comment_moderation=Statement.CommentModeration.NONE)
    assert post(anon, archived).status_code == 403
    draft = make_statement("draft", status=Statement.Status.DRAFT)
    assert post(anon, draft).status_code == 404
    assert Comment.objects.count() == 0


def test_the_comment_post_answers_after_commit_with_a_see_other(anon, open_statement):
    response = post(anon, open_statement)
    assert response.status_code == 303
    comment = Comment.objects.get()
    assert response["Location"].startswith(f"/en/comments/c/{comment.pk}/yours/?t=")


def test_edit_window_is_fifteen_minutes(anon, open_statement):
    comment = post_ok(anon, open_statement, body="First version")
    token = tokens.author_token(comment.pk)
    response = anon.post(f"/en/comments/c/{comment.pk}/edit/", {"t": token, "body": "Second"})
    assert response.status_code == 303
    comment.refresh_from_db()
    assert comment.body == "Second" and comment.edited_at and "(edited)" in page(anon,
                                                                               open_statement)
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    response = anon.post(f"/en/comments/c/{comment.pk}/edit/", {"t": token, "body": "Third"})
    assert response.status_code == 403
    assert anon.post(f"/en/comments/c/{comment.pk}/delete/", {"t": token}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Second"
    assert "Edit or delete" not in anon.get(f"/en/comments/c/{comment.pk}/yours/?t={token}"
                                            ).content.decode()


def test_edit_needs_the_token(anon, open_statement):
    comment = post_ok(anon, open_statement)
    assert anon.post(f"/en/comments/c/{comment.pk}/edit/", {"body": "x"}).status_code == 404
    assert anon.post(f"/en/comments/c/{comment.pk}/delete/", {"t": "bad"}).status_code == 404
    assert Comment.objects.get().body == "Solidarity."


def test_an_edit_into_spam_words_takes_the_comment_off_the_page(anon, open_statement,
                                                                _generous_limits):
    _generous_limits.spam_words = "casino"
    _generous_limits.save()
    comment = post_ok(anon, open_statement, body="Fine words")
    anon.post(f"/en/comments/c/{comment.pk}/edit/",
              {"t": tokens.author_token(comment.pk), "body": "Visit my CASINO"})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.SPAM
    assert "CASINO" not in page(anon, open_statement)


def test_delete_without_replies_removes_it_and_with_replies_leaves_a_stub(anon, open_statement):
    lonely = post_ok(anon, open_statement, body="Lonely")
    assert anon.post(f"/en/comments/c/{lonely.pk}/delete/",
                     {"t": tokens.author_token(lonely.pk)}).status_code == 200
    assert not Comment.objects.filter(pk=lonely.pk).exists()
    parent = post_ok(anon, open_statement, body="Parent text")
    reply = post_ok(anon, open_statement, body="Reply text", parent=parent.pk,
                    email="b@example.org")
    anon.post(f"/en/comments/c/{parent.pk}/delete/", {"t": tokens.author_token(parent.pk)})
    parent.refresh_from_db()
    assert parent.status == Comment.Status.REMOVED and parent.body == "" and parent.email == ""
    html = page(anon, open_statement)
    assert "Parent text" not in html and "Comment removed." in html
    stub = html.index(f'id="comment-{parent.pk}"')
    assert stub < html.index(f'id="comment-{reply.pk}"')
    assert "Reply text" in html


def test_form_data_helper_fields_are_the_contract(open_statement):
    assert set(form_data(open_statement)) >= {"name", "email", "website", "body"}
