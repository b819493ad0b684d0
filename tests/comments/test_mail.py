"""Opt-in reply notifications (double opt-in, one-click unsubscribe), never about a comment in
moderation, and the moderators' digest: delivered to a real SMTP server."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from comments import actions
from comments.models import Comment, KnownAddress, email_key
from tests.comments.conftest import post_ok

pytestmark = pytest.mark.django_db(transaction=True)


def link(text: str, kind: str) -> str:
    return re.search(rf"https?://\S+/comments/{kind}/\S+/", text).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_reply_notifications_need_double_opt_in_and_can_be_stopped_in_one_click(
        anon, open_statement, mailbox, tasks):
    top = post_ok(anon, open_statement, body="Who joins?", notify="on")
    tasks()
    [confirm_mail] = mailbox.to("amina@example.org")
    assert "Confirm" in confirm_mail["Subject"]
    confirm = path_of(link(mailbox.text(confirm_mail), "confirm"))
    # A reply before confirming sends nothing.
    post_ok(anon, open_statement, parent=top.pk, email="ben@example.org", body="Me!")
    tasks()
    assert len(mailbox.to("amina@example.org")) == 1
    # A mail scanner's GET changes nothing; the button's POST confirms.
    assert anon.get(confirm).status_code == 200
    assert not KnownAddress.objects.get(email_key=top.email_key).confirmed_at
    assert anon.post(confirm).status_code == 200
    assert KnownAddress.objects.get(email_key=top.email_key).confirmed_at
    post_ok(anon, open_statement, parent=top.pk, email="carla@example.org", body="Count me in",
            name="Carla")
    tasks()
    reply_mail = mailbox.to("amina@example.org")[-1]
    text = mailbox.text(reply_mail)
    assert "Carla" in text and "Count me in" in text
    assert "carla@example.org" not in text  # the replier's address is never passed on
    unsubscribe = link(text, "unsubscribe")
    assert reply_mail["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert reply_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # RFC 8058: the mail provider POSTs, from elsewhere, with no form token.
    response = anon.post(path_of(unsubscribe), {"List-Unsubscribe": "One-Click"},
                         headers={"Origin": "https://mail.example", "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200
    assert not Comment.objects.get(pk=top.pk).notify
    post_ok(anon, open_statement, parent=top.pk, email="dan@example.org", body="late")
    tasks()
    assert len(mailbox.to("amina@example.org")) == 2


def test_no_mail_about_a_comment_in_moderation(anon, statement, mailbox, tasks, admin_user):
    # Trusted, subscribed author; the reply comes from a new address and is held.
    actions.do_confirm_notifications(email_key("amina@example.org"))
    top = post_ok(anon, statement, notify="on")
    assert top.status == Comment.Status.VISIBLE
    reply = post_ok(anon, statement, parent=top.pk, email="new@example.org", notify="on")
    assert reply.status == Comment.Status.HELD
    tasks()
    assert mailbox.messages == []  # no reply mail, no opt-in mail for a held comment
    actions.do_approve([reply], actor=admin_user)
    tasks()
    assert len(mailbox.to("amina@example.org")) == 1
    assert len(mailbox.to("new@example.org")) == 1  # its opt-in request, now it is public


def test_no_mail_to_oneself_and_none_without_opt_in(anon, open_statement, mailbox, tasks):
    actions.do_confirm_notifications(email_key("amina@example.org"))
    top = post_ok(anon, open_statement)  # did not ask for replies
    post_ok(anon, open_statement, parent=top.pk, email="ben@example.org")
    subscribed = post_ok(anon, open_statement, notify="on", body="ask")
    post_ok(anon, open_statement, parent=subscribed.pk, body="answering myself")
    tasks()
    assert mailbox.messages == []


def test_bad_links_are_clear_4xx(anon):
    assert anon.get("/en/comments/confirm/forged/").status_code == 404
    assert anon.post("/en/comments/confirm/forged/").status_code == 404
    assert anon.post("/en/comments/unsubscribe/forged/").status_code == 404


def test_moderators_get_one_digest_not_a_mail_per_comment(anon, statement, mailbox, tasks):
    User.objects.create_superuser("boss", "boss@example.org", "a long password 123")
    User.objects.create_superuser("nomail", "", "a long password 123")
    for n in range(3):
        post_ok(anon, statement, email=f"p{n}@example.org", body=f"held {n}")
    tasks()
    assert mailbox.to("boss@example.org") == []  # nothing per comment
    assert actions.send_moderation_digest() == 1
    tasks()
    [digest] = mailbox.to("boss@example.org")
    text = mailbox.text(digest)
    assert "3 comments await moderation" in digest["Subject"]
    assert "held 0" in text and "/admin/comments/comment/?status__exact=held" in text
    assert "p0@example.org" not in text
    # Nothing new: no second digest; a new held comment: a new one.
    assert actions.send_moderation_digest() == 0
    post_ok(anon, statement, email="p9@example.org", body="held 9")
    call_command("comments_digest")
    tasks()
    assert len(mailbox.to("boss@example.org")) == 2


def test_unsubscribe_get_only_shows_a_button(anon, open_statement):
    from comments import tokens

    comment = post_ok(anon, open_statement, notify="on")
    url = f"/en/comments/unsubscribe/{tokens.unsubscribe_token(comment.email_key)}/"
    response = anon.get(url)
    assert response.status_code == 200 and "Unsubscribe" in response.content.decode()
    assert Comment.objects.get().notify
    assert anon.head(url).status_code == 200 and Comment.objects.get().notify
    anon.post(url)
    assert not Comment.objects.get().notify
