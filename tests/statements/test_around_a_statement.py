"""Every page and mail around a statement names it in the reader's language: the Spanish
title on the Spanish pages when a Spanish translation exists, else the original title marked
with its own language (``lang="en"`` inside a Spanish page)."""

from __future__ import annotations

import email.header
import re
from email.header import make_header

import pytest
from django.test import Client

from comments import tokens as comment_tokens
from privacy.links import data_rights_url
from statements.models import Statement, Translation
from tests.comments.conftest import form_data
from tests.conftest import make_statement
from tests.privacy.conftest import make_comment, make_signature
from tests.signatures.conftest import mail_links, post_sign

# Transactional: the mail worker runs outside the test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)

ENGLISH = "Water is life"
SPANISH = "El agua es vida"
MARKED_ENGLISH = f'<span lang="en" dir="ltr">{ENGLISH}</span>'


@pytest.fixture
def spanish_statement(db) -> Statement:
    statement = make_statement("agua", title=ENGLISH,
                               comment_moderation=Statement.CommentModeration.NONE)
    Translation.objects.create(statement=statement, language="es", title=SPANISH,
                               body="Estamos juntas.")
    return statement


@pytest.fixture
def english_only(db) -> Statement:
    return make_statement("agua", title=ENGLISH,
                          comment_moderation=Statement.CommentModeration.NONE)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def spanish_pages(client: Client, statement: Statement, mailbox, tasks) -> dict[str, str]:
    """The Spanish pages around the statement, as a Spanish-speaking signer and commenter
    reaches them."""
    pages = {}
    refused = post_sign(client, statement, language="es", name="")  # the form, with an error
    assert refused.status_code == 400
    pages["sign"] = refused.content.decode()
    assert post_sign(client, statement, language="es").status_code == 303
    pages["sent"] = client.get(f"/es/sign/{statement.slug}/sent/").content.decode()
    tasks()
    links = mail_links(mailbox, "ana@example.org")
    pages["confirm"] = client.get(links["confirm"]).content.decode()
    pages["manage"] = client.get(links["manage"]).content.decode()
    make_signature(statement, "bea@example.org", name="Bea Shown")
    pages["list"] = client.get(f"/es/signatories/{statement.slug}/").content.decode()
    pages["comment form"] = client.get(f"/es/comments/{statement.pk}/").content.decode()
    comment = make_comment(statement, "cleo@example.org", language="es")
    pages["your comment"] = client.get(
        f"/es/comments/c/{comment.pk}/yours/?t={comment_tokens.author_token(comment.pk)}"
    ).content.decode()
    your_data = path_of(data_rights_url("cleo@example.org", "es"))
    pages["your data"] = client.get(your_data).content.decode()
    return pages


def subject_and_text(mailbox, address: str) -> str:
    message = mailbox.to(address)[-1]
    return f"{decode_header(message['Subject'])}\n{mailbox.text(message)}"


def decode_header(value: str) -> str:
    return str(make_header(email.header.decode_header(value)))


def spanish_mails(client: Client, statement: Statement, mailbox, tasks) -> dict[str, str]:
    """The mails (subject and text) a Spanish-speaking signer and commenter receive about the
    statement."""
    post_sign(client, statement, language="es", email="dora@example.org")
    client.post(f"/es/comments/{statement.pk}/",
                form_data(statement, email="eva@example.org", body="¿Quién se suma?",
                          notify="on"))
    tasks()
    mails = {"confirm signature": subject_and_text(mailbox, "dora@example.org"),
             "confirm notifications": subject_and_text(mailbox, "eva@example.org")}
    top = statement.comments.get(email__startswith="eva")
    client.post(path_of(re.search(r"https?://\S+/comments/confirm/\S+/",
                                  mails["confirm notifications"]).group(0)))
    client.post(f"/es/comments/{statement.pk}/",
                form_data(statement, email="fran@example.org", body="Yo", parent=top.pk))
    tasks()
    mails["reply"] = subject_and_text(mailbox, "eva@example.org")
    return mails


def test_spanish_pages_show_the_spanish_title(anon, spanish_statement, mailbox, tasks):
    for page, html in spanish_pages(anon, spanish_statement, mailbox, tasks).items():
        assert SPANISH in html, page
        assert ENGLISH not in html, page


def test_spanish_mails_show_the_spanish_title(anon, spanish_statement, mailbox, tasks):
    for mail, text in spanish_mails(anon, spanish_statement, mailbox, tasks).items():
        assert SPANISH in text, mail
        assert ENGLISH not in text, mail


def test_without_a_spanish_translation_the_english_title_is_marked_english(
        anon, english_only, mailbox, tasks):
    for page, html in spanish_pages(anon, english_only, mailbox, tasks).items():
        assert '<html lang="es"' in html, page
        assert MARKED_ENGLISH in html, page
        # In the page's <title> no markup is possible, and none is shown.
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert "<span" not in title and "&lt;span" not in title, page
    for mail, text in spanish_mails(anon, english_only, mailbox, tasks).items():
        assert ENGLISH in text and "<span" not in text, mail


def test_english_pages_of_a_spanish_statement_mark_the_spanish_title(anon, mailbox, tasks):
    statement = make_statement("agua", title=SPANISH, language="es")
    page = anon.get(f"/en/sign/{statement.slug}/sent/").content.decode()
    assert f'<span lang="es" dir="ltr">{SPANISH}</span>' in page


def test_an_arabic_title_is_marked_right_to_left_on_a_spanish_page(anon):
    statement = make_statement("agua", title="الماء حياة", language="ar")
    page = anon.get(f"/es/sign/{statement.slug}/sent/").content.decode()
    assert '<span lang="ar" dir="rtl">الماء حياة</span>' in page
