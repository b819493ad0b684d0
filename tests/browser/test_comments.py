"""Issue 4 in a real browser with JavaScript off: comment, reply, reply to the reply through
the ``?replyto=N`` pages, find the thread nested, and check it with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from comments.models import Comment
from core import protection
from pages import store as pagecache
from statements.models import Statement
from tests.browser.conftest import BrowserSite, axe_violations
from tests.conftest import make_statement


@pytest.fixture
def statement(transactional_db):
    return make_statement("water-is-life", title="Water is life",
                          comment_moderation=Statement.CommentModeration.NONE)


def post(page: Page, *, body: str, name: str, email: str) -> None:
    form = page.locator("form.comment-form")
    # Found by their labels, as a screen reader user would.
    form.get_by_label("Comment *").fill(body)
    form.get_by_label("Name *").fill(name)
    form.get_by_label("Email *").fill(email)
    form.get_by_role("button", name="Post").click()


def write(page: Page, *, body: str, name: str, email: str) -> None:
    post(page, body=body, name=name, email=email)
    expect(page.get_by_role("heading", name="Your comment")).to_be_visible()
    expect(page.get_by_text("Your comment is published.")).to_be_visible()


def send_with_errors(page: Page) -> None:
    """The form page as it comes back with an error next to a field."""
    post(page, body="Kept text", name="Amina", email="amina@localhost-only")
    expect(page.locator("#comment-email-errors")).to_be_visible()
    expect(page.locator("#comment-body")).to_have_value("Kept text")


def show(page: Page) -> None:
    pagecache.clear_local()  # skip the cache's one-second generation lag, not its invalidation
    page.goto("/en/s/water-is-life/")


def test_comment_reply_and_reply_to_the_reply_without_javascript(site: BrowserSite, page: Page,
                                                                  statement, monkeypatch):
    monkeypatch.setattr(protection, "MIN_FILL_SECONDS", 0)
    show(page)
    expect(page.get_by_role("heading", name="Leave a reply")).to_be_visible()
    expect(page.get_by_text("Your email address will not be published.").first).to_be_visible()
    write(page, body="Water is *life*.", name="Amina", email="amina@example.org")
    first = Comment.objects.get()

    show(page)
    page.get_by_role("link", name="Reply to Amina").click()
    expect(page.get_by_role("heading", name="Reply to Amina")).to_be_visible()
    expect(page.locator("#comment-body")).to_be_focused()
    write(page, body="We are with you.", name="Ben", email="ben@example.org")
    second = Comment.objects.latest("id")
    assert second.parent_id == first.pk

    show(page)
    page.get_by_role("link", name="Reply to Ben").click()
    expect(page.locator("#comment-body")).to_be_focused()
    write(page, body="Thank you, Ben.", name="Amina", email="amina@example.org")
    third = Comment.objects.latest("id")
    assert third.parent_id == second.pk

    show(page)
    nested = page.locator(f"li#comment-{first.pk} li#comment-{second.pk} li#comment-{third.pk}")
    expect(nested).to_contain_text("Thank you, Ben.")
    expect(page.locator(f"li#comment-{first.pk} > article")).to_contain_text("Water is life.")
    expect(page.locator(f"#comment-{first.pk} em")).to_have_text("life")
    assert "amina@example.org" not in page.content()

    # A permalink lands on the comment.
    page.goto(f"/en/comments/c/{third.pk}/")
    assert page.url.endswith(f"#comment-{third.pk}")

    # A held comment: shown to its author alone, on a page of its own.
    edited = Statement.objects.get(pk=statement.pk)  # as an editor does it, in the admin
    edited.comment_moderation = "all"
    edited.save()
    show(page)
    post(page, body="Please check me.", name="Carla", email="carla@example.org")
    expect(page.get_by_text("Your comment is awaiting moderation.")).to_be_visible()
    expect(page.locator(".awaiting")).to_contain_text("Please check me.")
    yours = page.url
    show(page)
    expect(page.locator("section.discussion")).not_to_contain_text("Please check me.")

    problems = [axe_violations(page, "/en/s/water-is-life/"), axe_violations(page, yours),
                axe_violations(page, f"/en/comments/{statement.pk}/?replyto={third.pk}"),
                axe_violations(page, f"/en/comments/{statement.pk}/", prepare=send_with_errors)]
    problems = [p for p in problems if p]
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)
