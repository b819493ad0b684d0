"""Threads: nesting to the statement's depth, the no-JavaScript reply page, pagination,
permalinks, stubs and avatars."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from comments import actions, public
from comments.models import Comment
from statements.models import Statement
from tests.comments.conftest import page, post, post_ok
from tests.conftest import make_statement

pytestmark = pytest.mark.django_db(transaction=True)


def element(html: str, comment_id: int) -> str:
    """The <li> of a comment with everything inside it (its replies)."""
    start = html.index(f'<li class="comment" id="comment-{comment_id}"')
    depth, i = 0, start
    for match in re.finditer(r"<li\b|</li>", html[start:]):
        depth += 1 if match.group(0) == "<li" else -1
        if depth == 0:
            i = start + match.end()
            break
    return html[start:i]


def test_replies_sit_inside_their_parents_element(anon, open_statement):
    top = post_ok(anon, open_statement, body="Top")
    reply = post_ok(anon, open_statement, body="Reply", parent=top.pk)
    deeper = post_ok(anon, open_statement, body="Deeper", parent=reply.pk)
    other = post_ok(anon, open_statement, body="Other top")
    html = page(anon, open_statement)
    top_el = element(html, top.pk)
    assert f'id="comment-{reply.pk}"' in top_el and f'id="comment-{deeper.pk}"' in top_el
    assert f'id="comment-{deeper.pk}"' in element(html, reply.pk)
    assert f'id="comment-{other.pk}"' not in top_el
    assert (reply.depth, deeper.depth, deeper.root_id) == (2, 3, top.pk)


def test_reply_link_works_without_javascript_and_focuses_the_form(anon, open_statement):
    top = post_ok(anon, open_statement)
    html = page(anon, open_statement)
    link = f"/en/comments/{open_statement.pk}/?replyto={top.pk}"
    assert f'href="{link}"' in html
    response = anon.get(link)
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="comment-form"' in text
    assert f'name="parent" value="{top.pk}"' in text
    assert re.search(r'<textarea name="body" id="comment-body"[^>]*autofocus', text)
    assert "Reply to Amina" in text


def test_nesting_stops_at_the_statements_depth(anon):
    statement = make_statement("shallow", comment_moderation=Statement.CommentModeration.NONE,
                               comment_reply_depth=2)
    top = post_ok(anon, statement)
    reply = post_ok(anon, statement, parent=top.pk, body="level two")
    html = page(anon, statement)
    assert f"replyto={top.pk}" in html and f"replyto={reply.pk}" not in html
    # A forged reply to the deepest level joins that level instead of nesting deeper.
    forged = post_ok(anon, statement, parent=reply.pk, body="forged deeper")
    assert forged.depth == 2 and forged.parent_id == top.pk


def test_depth_one_means_a_flat_discussion(anon):
    statement = make_statement("flat", comment_moderation=Statement.CommentModeration.NONE,
                               comment_reply_depth=1)
    top = post_ok(anon, statement)
    assert "replyto=" not in page(anon, statement)
    reply = post_ok(anon, statement, parent=top.pk)
    assert reply.parent_id is None and reply.depth == 1


def test_reply_page_refuses_held_foreign_and_unknown_parents(anon, open_statement, statement):
    held = post_ok(anon, statement)  # policy "first": held
    assert held.status == Comment.Status.HELD
    foreign = post_ok(anon, make_statement("elsewhere",
                                           comment_moderation=Statement.CommentModeration.NONE))
    for replyto in (held.pk, foreign.pk, 999999, "abc", "-1", "9" * 40):
        assert anon.get(f"/en/comments/{open_statement.pk}/?replyto={replyto}").status_code == 404


def test_replies_to_held_or_foreign_comments_are_refused(anon, open_statement, statement):
    held = post_ok(anon, statement)
    foreign = post_ok(anon, make_statement("elsewhere",
                                           comment_moderation=Statement.CommentModeration.NONE))
    before = Comment.objects.count()
    assert post(anon, statement, parent=held.pk).status_code == 400
    assert post(anon, open_statement, parent=foreign.pk).status_code == 400
    assert post(anon, open_statement, parent=10**30).status_code == 400
    assert Comment.objects.count() == before


def test_pagination_newest_and_oldest_first_with_permalinks(anon, open_statement, monkeypatch):
    monkeypatch.setattr(public, "PAGE_SIZE", 3)
    start = timezone.now() - timedelta(hours=1)
    made = []
    for n in range(7):
        comment = post_ok(anon, open_statement, body=f"Number {n}")
        Comment.objects.filter(pk=comment.pk).update(created_at=start + timedelta(minutes=n))
        made.append(comment)
    reply = post_ok(anon, open_statement, parent=made[0].pk, body="late reply")
    first = page(anon, open_statement)
    assert "Number 0" in first and "Number 2" in first and "Number 3" not in first
    assert "late reply" in first  # replies travel with their thread
    assert 'href="?cpage=2#comments"' in first and 'rel="next"' in first
    second = page(anon, open_statement, "?cpage=2")
    assert "Number 3" in second and 'rel="prev"' in second
    newest = page(anon, open_statement, "?order=newest")
    assert newest.index("Number 6") < newest.index("Number 5") and "Number 0" not in newest
    # Nonsense in the query string is a normal page, never an error.
    assert "Number 0" in page(anon, open_statement, "?cpage=abc&order=sideways")
    assert "No comments yet" not in page(anon, open_statement, "?cpage=-5")
    # A permalink finds the page its thread is on.
    response = anon.get(f"/en/comments/c/{made[4].pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/en/s/{open_statement.slug}/?cpage=2#comment-{made[4].pk}"
    response = anon.get(f"/en/comments/c/{reply.pk}/")
    assert response["Location"] == f"/en/s/{open_statement.slug}/#comment-{reply.pk}"


def test_permalinks_of_hidden_comments_are_404(anon, statement):
    held = post_ok(anon, statement)
    assert anon.get(f"/en/comments/c/{held.pk}/").status_code == 404
    assert anon.get("/en/comments/c/99999999/").status_code == 404


def test_a_removed_comment_with_replies_stays_as_a_stub(anon, open_statement, admin_user):
    top = post_ok(anon, open_statement, body="Offensive top")
    reply = post_ok(anon, open_statement, parent=top.pk, body="Kind reply", email="k@example.org")
    actions.do_remove([top], actor=admin_user)
    html = page(anon, open_statement)
    assert "Offensive top" not in html and "Comment removed." in html
    assert f'id="comment-{reply.pk}"' in html
    actions.do_remove([reply], actor=admin_user)
    html = page(anon, open_statement)
    assert "Comment removed." not in html and "No comments yet" in html
    actions.do_approve([reply], actor=admin_user)
    assert "Kind reply" in page(anon, open_statement)


def test_avatars_are_drawn_locally_from_a_random_value(anon, open_statement):
    one = post_ok(anon, open_statement, body="one")
    two = post_ok(anon, open_statement, body="two")
    html = page(anon, open_statement)
    assert html.count('<svg class="avatar"') == 2
    assert "gravatar" not in html and "style=" not in html.split("<main")[1]
    seeds = {c.avatar_seed for c in Comment.objects.all()}
    # Same address, independent values: nothing about the address can be read from them.
    assert one.email == two.email and len(seeds) == 2
    assert public.avatar_svg(one.avatar_seed) == public.avatar_svg(one.avatar_seed)


def test_lockdown_notice_and_closed_form_show_on_the_page(anon, open_statement, admin_user):
    actions.do_lockdown(open_statement, actor=admin_user, mode="close",
                        until=timezone.now() + timedelta(hours=1))
    html = page(anon, open_statement)
    assert "Comments are closed." in html and 'name="body"' not in html


def test_the_discussion_in_another_interface_language(anon, open_statement):
    top = post_ok(anon, open_statement, body="Hola")
    response = anon.get(f"/es/s/{open_statement.slug}/")
    html = response.content.decode()
    assert response.status_code == 200 and f'id="comment-{top.pk}"' in html
    assert f'href="/es/comments/{open_statement.pk}/?replyto={top.pk}"' in html
