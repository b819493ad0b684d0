"""An author removes their own comment at any time: from the link in every mail about it, or
from the "yours" page once the edit window has closed. GET shows a button (mail scanners),
only a same-site POST removes; replies keep their place under a "comment removed" note."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from comments import tokens
from comments.models import Comment
from tests.comments.conftest import page, post_ok

pytestmark = pytest.mark.django_db(transaction=True)


def remove_link(text: str) -> str:
    url = re.search(r"https?://\S+/comments/remove/\S+/", text).group(0)
    return "/" + url.split("/", 3)[3]


def confirm_link(text: str) -> str:
    url = re.search(r"https?://\S+/comments/confirm/\S+/", text).group(0)
    return "/" + url.split("/", 3)[3]


def snapshot() -> list[tuple]:
    return list(Comment.objects.order_by("id").values_list(
        "id", "status", "removal", "name", "email", "body", "listed"))


def test_every_mail_about_a_comment_links_to_removing_it_at_any_time(anon: Client, open_statement,
                                                                     mailbox, tasks) -> None:
    top = post_ok(anon, open_statement, body="Who joins the march?", notify="on")
    tasks()
    [confirm_mail] = mailbox.to("amina@example.org")
    from_confirm = remove_link(mailbox.text(confirm_mail))
    anon.post(confirm_link(mailbox.text(confirm_mail)))
    reply = post_ok(anon, open_statement, parent=top.pk, email="ben@example.org", name="Ben",
                    body="I do, see you there")
    tasks()
    reply_mail = mailbox.to("amina@example.org")[-1]
    from_reply = remove_link(mailbox.text(reply_mail))
    # Both mails are about Amina's comment; each link removes that one (not Ben's reply).
    assert tokens.read_remove_token(from_confirm.split("/")[-2]) == top.pk
    assert tokens.read_remove_token(from_reply.split("/")[-2]) == top.pk

    # Weeks later, long after the 15-minute edit window.
    Comment.objects.filter(pk=top.pk).update(created_at=timezone.now() - timedelta(days=40))
    before = snapshot()
    shown = anon.get(from_reply)  # a mail scanner's GET changes nothing
    assert shown.status_code == 200 and 'method="post"' in shown.content.decode()
    assert anon.head(from_reply).status_code == 200
    assert snapshot() == before
    assert "Who joins the march?" in page(anon, open_statement)

    done = anon.post(from_reply)
    assert done.status_code == 200 and "removed" in done.content.decode()
    stub = Comment.objects.get(pk=top.pk)
    assert (stub.status, stub.removal) == (Comment.Status.REMOVED, Comment.Removal.AUTHOR)
    assert (stub.name, stub.email, stub.body) == ("—", "", "")
    html = page(anon, open_statement)
    assert "Who joins the march?" not in html and "Comment removed." in html
    assert "I do, see you there" in html and f'id="comment-{reply.pk}"' in html

    # The other mail's link, and the same one again, find it already gone and change nothing.
    after = snapshot()
    assert anon.get(from_confirm).status_code == 410
    assert anon.post(from_confirm).status_code == 410
    assert snapshot() == after


def test_a_comment_without_replies_goes_whatever_its_status(anon: Client, statement) -> None:
    held = post_ok(anon, statement, body="Waiting for a moderator")
    assert held.status == Comment.Status.HELD
    url = f"/en/comments/remove/{tokens.remove_token(held.pk)}/"
    assert anon.post(url).status_code == 200
    assert not Comment.objects.filter(pk=held.pk).exists()
    assert anon.post(url).status_code == 410


def test_forged_links_and_cross_site_posts_change_nothing(anon: Client, open_statement) -> None:
    comment = post_ok(anon, open_statement, body="Still here")
    other = post_ok(anon, open_statement, body="Also here", email="ben@example.org")
    good = tokens.remove_token(comment.pk)
    value, mac = good.split(":")
    forged = [
        f"{other.pk}:{mac}",  # another comment under this one's signature
        f"0{value}:{mac}", f"+{value}:{mac}", f" {value}:{mac}",  # not the form we signed
        f"{value}:{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",
        tokens.unsubscribe_token(comment.email_key),  # a valid token of another purpose
        tokens.author_token(comment.pk),
        "x", ":", "1:", "%E2%82%AC",
    ]
    before = snapshot()
    for token in forged:
        for method in (anon.get, anon.post):
            response = method(f"/en/comments/remove/{token}/")
            assert response.status_code == 404, (token, response.status_code)
    cross = anon.post(f"/en/comments/remove/{good}/",
                      headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert anon.put(f"/en/comments/remove/{good}/").status_code == 405
    assert snapshot() == before


def test_the_authors_page_offers_removal_after_the_edit_window(anon: Client,
                                                              open_statement) -> None:
    comment = post_ok(anon, open_statement, body="Published for good")
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    yours = anon.get(f"/en/comments/c/{comment.pk}/yours/?t={tokens.author_token(comment.pk)}")
    html = yours.content.decode()
    assert yours.status_code == 200 and "Save changes" not in html
    action = re.search(r'action="(/en/comments/remove/[^"]+/)"', html).group(1)
    assert anon.post(action).status_code == 200
    assert not Comment.objects.filter(pk=comment.pk).exists()
