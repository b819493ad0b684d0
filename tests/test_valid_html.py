"""Every page a visitor can reach is valid HTML (the Nu Html Checker, tests/htmlcheck.py).

The site is seeded through the real forms: a statement with translations (one right-to-left),
named, hidden and organisation signatures, a threaded discussion; the crawl starts from the
home pages, the pages after each form, and every link in the mails the forms sent (confirm,
manage, data rights), so the per-signer pages are checked too, and follows every link.
"""

from __future__ import annotations

import pytest
from django.test import Client

import comments.public
import signatures.public
from comments.models import Comment
from core import protection
from statements.actions import do_save_statement, record_revisions
from statements.models import Statement, Translation
from tests.conftest import make_statement, run_tasks
from tests.crawling import crawl, links_in_mail
from tests.htmlcheck import html_errors
from tests.privacy.conftest import make_comment, make_signature


def sign_through_the_form(client: Client, statement: Statement, email: str) -> str:
    response = client.post(f"/en/sign/{statement.slug}/", {
        "kind": "individual", "name": "Ana Example", "organisation": "", "role": "",
        "country": "Peru", "email": email, "show_name": "on", "comment": "Because.",
        protection.TOKEN_FIELD: protection.form_token("sign", statement.pk)})
    assert response.status_code == 303, response.content.decode()[:300]
    return response["Location"]


@pytest.mark.django_db(transaction=True)  # the task worker runs outside the test's transaction
def test_every_reachable_page_is_valid_html(monkeypatch, mailbox) -> None:
    monkeypatch.setattr(protection, "MIN_FILL_SECONDS", -10**9)
    monkeypatch.setattr(signatures.public, "PAGE_SIZE", 3)
    monkeypatch.setattr(comments.public, "PAGE_SIZE", 2)
    statement = make_statement("open-letter", signature_moderation="none",
                               comment_moderation="none", signature_goal=100,
                               show_signed_revision=True)
    Translation.objects.create(statement=statement, language="es", title="El agua es vida",
                               body="Estamos *juntos*.")
    Translation.objects.create(statement=statement, language="ar", title="الماء حياة",
                               body="نقف معًا.", kind=Translation.Kind.COMMUNITY)
    record_revisions(statement, actor=None)  # as published: revision 1 of each language
    make_statement("second-statement", title="Second", issuers=("Lake Friends",))
    for i in range(7):
        make_signature(statement, f"named{i}@example.org", name=f"Named Person {i}",
                       show_name=i % 3 != 0, kind="organisation" if i % 4 == 0 else "individual")
    parent = make_comment(statement, "thread@example.org", name="Thread Starter")
    make_comment(statement, "reply@example.org", name="Replier", parent=parent)

    visitor = Client()
    sent = sign_through_the_form(visitor, statement, "fresh-signer@example.org")
    response = visitor.post(f"/en/comments/{statement.pk}/", {
        "name": "Commenter", "email": "commenter@example.org", "body": "Well said.",
        protection.TOKEN_FIELD: protection.form_token(comments.public.FORM_PURPOSE,
                                                      statement.pk)})
    assert response.status_code in (302, 303), response.content.decode()[:300]
    run_tasks()
    mail_links = [path for message in mailbox.messages
                  for path in links_in_mail(mailbox.text(message))]
    assert any("/signature/confirm/" in path for path in mail_links), mail_links
    confirm = next(path for path in mail_links if "/signature/confirm/" in path)
    after_confirming = visitor.post(confirm)["Location"]
    assert Comment.objects.filter(status="visible").count() >= 3
    # The text changes after Ana signed: "Updated on …", the history, the mark on the list.
    statement.body = "We stand *together*, still."
    do_save_statement(statement, actor=None, created=False)

    # Pages no link of the site reaches: what partner sites frame, and a refused share.
    unlinked = ["/embed/open-letter/", "/es/embed/open-letter/",
                "/en/share/open-letter/en/mastodon/?instance=not%20a%20server",
                "/en/s/open-letter/history/en/?from=2&to=1"]
    pages = crawl(Client(), ["/en/", "/es/", "/en/privacy/", "/es/privacy/", "/en/no-such-page/",
                             sent, after_confirming, *unlinked, *mail_links], limit=250)
    html = {path: text.split("\n\n", 1)[-1] for path, (status, text) in pages.items()
            if "Content-Type: text/html" in text}
    html = {path: text[text.index("<!doctype html>"):] for path, text in html.items()
            if "<!doctype html>" in text}
    assert len(html) >= 20, sorted(html)
    assert any("/signature/manage/" in path for path in html)
    assert any("/ar/" in path for path in html)
    assert set(unlinked) <= set(html), sorted(html)
    assert any(path.endswith("/history/en/?to=1") for path in html), sorted(html)
    errors = html_errors(html)
    assert not errors, "\n".join(f"{path}: {e}" for path, found in errors.items() for e in found)
