"""The data-rights page removes published comments too (issue 14, item 12): the page used to
point to delete links that no mail contained."""

from __future__ import annotations

import pytest
from django.test import Client

from comments.models import Comment
from privacy.links import data_rights_url
from tests.comments.conftest import page
from tests.privacy.conftest import make_comment, make_signature

pytestmark = pytest.mark.django_db

EMAIL = "ana@example.org"


def url_path(email: str = EMAIL) -> str:
    return "/" + data_rights_url(email).split("/", 3)[3]


def snapshot() -> list[tuple]:
    return list(Comment.objects.order_by("id").values_list("id", "status", "removal", "name",
                                                           "email", "body"))


@pytest.mark.django_db(transaction=True)  # the page cache hears of it on commit
def test_the_data_rights_page_removes_a_published_comment_and_keeps_the_thread(
        anon: Client, statement) -> None:
    statement.comment_moderation = "none"
    statement.save()
    mine = make_comment(statement, EMAIL, body="Published long ago")
    make_comment(statement, EMAIL, body="My second comment")
    reply = make_comment(statement, "ben@example.org", name="Ben", body="A reply by Ben",
                         parent=mine)
    path = url_path()
    assert "Published long ago" in page(anon, statement)
    shown = anon.get(path).content.decode()
    assert shown.count('name="action" value="remove_comment"') == 2  # (Ben's is not Ana's)

    response = anon.post(path, {"action": "remove_comment", "comment": str(mine.pk)})
    # The link may have named the removed comment: the page goes on under a fresh one.
    assert response.status_code == 303
    after = anon.get(response["Location"])
    assert after.status_code == 200
    html = after.content.decode()
    assert "Your comment was removed." in html and "My second comment" in html
    assert "Published long ago" not in html
    stub = Comment.objects.get(pk=mine.pk)
    assert (stub.status, stub.removal, stub.body, stub.email) == ("removed", "author", "", "")
    thread = page(anon, statement)
    assert "Published long ago" not in thread and "Comment removed." in thread
    assert "A reply by Ben" in thread and Comment.objects.get(pk=reply.pk).status == "visible"


def test_only_the_mailboxs_own_comments_can_be_removed(anon: Client, statement) -> None:
    make_comment(statement, EMAIL, body="Mine")
    ben = make_comment(statement, "ben@example.org", body="Ben's, not mine")
    path = url_path()
    before = snapshot()
    for value in (str(ben.pk), "", "abc", "-1", "1e3", "٣", "9" * 40, f" {ben.pk}"):
        response = anon.post(path, {"action": "remove_comment", "comment": value})
        assert response.status_code == 400, value
        assert "not removed" in response.content.decode()
    cross = anon.post(path, {"action": "remove_comment", "comment": str(ben.pk)},
                      headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert snapshot() == before


def test_removing_the_last_record_says_so(anon: Client, statement) -> None:
    only = make_comment(statement, EMAIL, body="All we hold")
    response = anon.post(url_path(), {"action": "remove_comment", "comment": str(only.pk)})
    assert response.status_code == 200 and "Comment removed" in response.content.decode()
    assert not Comment.objects.filter(pk=only.pk).exists()
    assert data_rights_url(EMAIL) == ""


def test_a_signature_keeps_the_link_working_after_a_removal(anon: Client, statement) -> None:
    make_signature(statement, EMAIL)
    comment = make_comment(statement, EMAIL, body="Gone soon")
    path = url_path()
    response = anon.post(path, {"action": "remove_comment", "comment": str(comment.pk)})
    assert response.status_code == 303 and anon.get(response["Location"]).status_code == 200
    assert anon.get(path).status_code == 200  # the link named the signature: still valid
