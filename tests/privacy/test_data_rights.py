"""Data rights: see, download and erase what we hold about an address, from a mailed link."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from comments.models import Comment
from core.models import AuditEntry
from privacy import links
from privacy.links import BadToken, data_rights_url, make_token, read_token
from signatures.models import Signature
from tests.conftest import make_statement
from tests.privacy.conftest import make_comment, make_signature

pytestmark = pytest.mark.django_db

EMAIL = "ana@example.org"


def url_path(email: str = EMAIL) -> str:
    url = data_rights_url(email)
    assert url
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_the_link_never_contains_the_address(statement) -> None:
    make_signature(statement, EMAIL)
    url = data_rights_url(EMAIL)
    assert "ana" not in url and "example" not in url.split("/", 3)[3]
    assert read_token(url.rstrip("/").rsplit("/", 1)[1]) == EMAIL


def test_no_link_for_an_address_we_do_not_hold(statement) -> None:
    assert data_rights_url("nobody@example.org") == ""
    assert links.mail_footer("nobody@example.org") == ""


@pytest.mark.django_db(transaction=True)  # the mail worker runs outside the test's transaction
def test_comments_are_found_for_their_own_mailbox_only(anon: Client, statement, mailbox,
                                                      tasks) -> None:
    """Comments are found by their address key, whose rule is wide on purpose (bans must not be
    dodged by a look-alike spelling), but only the mailbox that wrote them may see or erase
    them: "ß" and "ss" are different mailboxes."""
    from privacy.actions import forget_address, holds_anything

    make_comment(statement, " Ana@Example.org", body="Typed with capitals")
    victim = make_comment(statement, "stra\u00dfe@example.org", body="Not yours to see")
    assert holds_anything(EMAIL)
    page = anon.get(url_path(EMAIL))
    assert page.status_code == 200
    assert "Typed with capitals" in page.content.decode()
    assert not holds_anything("strasse@example.org")
    assert data_rights_url("strasse@example.org") == ""
    anon.post("/en/privacy/your-data/", {"email": "strasse@example.org"})
    tasks()
    assert not mailbox.to("strasse@example.org")
    owner_page = anon.get(url_path("stra\u00dfe@example.org")).content.decode()
    assert "Not yours to see" in owner_page
    make_comment(statement, "strasse@example.org", body="Someone else entirely")
    assert "Someone else entirely" not in anon.get(url_path("stra\u00dfe@example.org")
                                                   ).content.decode()
    forget_address("strasse@example.org")
    assert Comment.objects.get(pk=victim.pk).email == "stra\u00dfe@example.org"


def test_tokens_refuse_forgery_expiry_and_erased_records(statement) -> None:
    signature = make_signature(statement, EMAIL)
    token = make_token(EMAIL)
    head, issued, mac = token.split(".")
    for forged in [f"{head}.{issued}.{'0' * 32}", f"s{signature.pk + 1}.{issued}.{mac}",
                   f"c{signature.pk}.{issued}.{mac}", "", "...", "s.1.2", "x1.a.b",
                   f"{head}.{issued}", token + "a", token.upper()]:
        with pytest.raises(BadToken):
            read_token(forged)
    with pytest.raises(BadToken):
        read_token(token, now=time.time() + links.MAX_AGE_SECONDS + 10)
    Signature.objects.filter(pk=signature.pk).update(email="other@example.org")
    with pytest.raises(BadToken):
        read_token(token)


def test_page_shows_what_we_hold_and_get_changes_nothing(anon: Client, statement) -> None:
    make_signature(statement, EMAIL, name="Ana Example")
    make_comment(statement, EMAIL, body="Solidarity from Lima")
    response = anon.get(url_path())
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ana Example" in body and "Solidarity from Lima" in body
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert Signature.objects.get().email == EMAIL


def test_download_is_json_of_everything(anon: Client, statement) -> None:
    make_signature(statement, EMAIL, name="Ana Example")
    make_comment(statement, EMAIL, body="Solidarity from Lima")
    response = anon.post(url_path(), {"action": "download"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["address"] == EMAIL
    assert data["signatures"][0]["name"] == "Ana Example"
    assert data["signatures"][0]["email"] == EMAIL
    assert any(c.get("text") == "Solidarity from Lima" for c in data["comments"])


def test_forget_needs_the_confirmation_box(anon: Client, statement) -> None:
    make_signature(statement, EMAIL)
    response = anon.post(url_path(), {"action": "forget"})
    assert response.status_code == 400
    assert "Tick this box" in response.content.decode()
    assert Signature.objects.get().email == EMAIL


def test_forget_keeps_only_what_was_chosen_to_be_public(anon: Client, statement) -> None:
    other = make_statement("second", title="Second")
    third = make_statement("third", title="Third")
    named = make_signature(statement, EMAIL, name="Ana Named", comment="Why I sign",
                           comment_approved=True)
    unnamed = make_signature(other, EMAIL, name="Ana Hidden", show_name=False)
    pending = make_signature(third, EMAIL, status="unconfirmed", name="Ana Pending")
    held_statement = make_statement("fourth", title="Fourth")
    held = make_signature(held_statement, EMAIL, status="held", name="Ana Held", kind="organisation")
    someone_else = make_signature(statement, "bo@example.org", name="Bo")
    visible_comment = make_comment(statement, EMAIL, body="Public words")
    held_comment = make_comment(statement, EMAIL, status="held", body="Never shown")
    path = url_path()

    response = anon.post(path, {"action": "forget", "confirm": "on"})
    assert response.status_code == 200

    named.refresh_from_db()
    assert (named.name, named.comment, named.status) == ("Ana Named", "Why I sign", "visible")
    assert named.email == "" and named.ip_hash == ""
    unnamed.refresh_from_db()
    assert unnamed.status == "visible" and not unnamed.show_name  # still counted
    assert unnamed.name == "" and unnamed.email == "" and unnamed.country == ""
    assert not Signature.objects.filter(pk=pending.pk).exists()
    held.refresh_from_db()
    assert held.status == "withdrawn" and held.name == "" and held.organisation_name == ""
    assert held.email == ""
    someone_else.refresh_from_db()
    assert someone_else.email == "bo@example.org"
    visible_comment.refresh_from_db()
    assert visible_comment.body == "Public words" and visible_comment.email == ""
    assert not Comment.objects.filter(pk=held_comment.pk).exists()
    assert not Signature.objects.filter(email__iexact=EMAIL).exists()
    # The old link is dead, and the audit log says that it happened but not whose.
    assert anon.get(path).status_code == 404
    entry = AuditEntry.objects.get(action="privacy.forget")
    assert EMAIL not in json.dumps(entry.detail) + entry.target_repr + entry.actor_name


def test_forged_links_get_a_clear_404_and_change_nothing(anon: Client, statement) -> None:
    make_signature(statement, EMAIL)
    for token in ["s1.zzz.abc", "nonsense", "s99999.1.0", "c1.1.1"]:
        response = anon.post(f"/en/privacy/your-data/{token}/", {"action": "forget", "confirm": "on"})
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
    assert Signature.objects.get().email == EMAIL


@pytest.mark.django_db(transaction=True)  # the worker closes its connection (PostgreSQL)
def test_request_link_answers_the_same_and_mails_only_the_owner(anon: Client, statement, mailbox,
                                                                tasks) -> None:
    make_signature(statement, EMAIL)
    known = anon.post("/en/privacy/your-data/", {"email": " Ana@Example.org "})
    unknown = anon.post("/en/privacy/your-data/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    tasks()
    assert len(mailbox.to(EMAIL)) == 1 and not mailbox.to("nobody@example.org")
    text = mailbox.text(mailbox.to(EMAIL)[0])
    link = next(line for line in text.splitlines() if "/privacy/your-data/" in line)
    assert anon.get(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])).status_code == 200


def test_request_link_is_rate_limited_per_address(anon: Client, statement) -> None:
    make_signature(statement, EMAIL)
    statuses = [anon.post("/en/privacy/your-data/", {"email": EMAIL}).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]


def test_request_link_refuses_cross_site_posts(anon: Client, statement) -> None:
    response = anon.post("/en/privacy/your-data/", {"email": EMAIL},
                         headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403


def test_mail_footer_links_to_the_data_rights_page(statement) -> None:
    make_signature(statement, EMAIL)
    footer = links.mail_footer(EMAIL, "es")
    assert "/es/privacy/your-data/" in footer


def test_data_rights_posts_from_other_sites_are_refused(anon: Client, statement) -> None:
    make_signature(statement, EMAIL)
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        response = anon.post(url_path(), {"action": "forget", "confirm": "on"}, headers=headers)
        assert response.status_code == 403
    assert Signature.objects.get().email == EMAIL
    # A same-origin browser post works although it carries `Origin: null` (no-referrer pages).
    response = anon.post(url_path(), {"action": "download"},
                         headers={"Sec-Fetch-Site": "same-origin", "Origin": "null"})
    assert response.status_code == 200


def test_a_record_hint_gives_a_working_link_without_lookup(statement, django_assert_num_queries) -> None:
    signature = make_signature(statement, EMAIL)
    comment = make_comment(statement, "bo@example.org")
    with django_assert_num_queries(0):
        signature_url = data_rights_url(EMAIL, record=signature)
        comment_url = data_rights_url("Bo@Example.org ", record=comment)
    assert read_token(signature_url.rstrip("/").rsplit("/", 1)[1]) == EMAIL
    assert read_token(comment_url.rstrip("/").rsplit("/", 1)[1]) == "bo@example.org"
    # A hint that does not hold the address is ignored, not trusted.
    assert data_rights_url("nobody@example.org", record=signature) == ""


def test_template_tag_for_mail_templates(statement) -> None:
    from django.template import Context, Template

    signature = make_signature(statement, EMAIL)
    text = Template("{% load privacy %}{% data_rights_url s.email s %}").render(Context({"s": signature}))
    assert "/privacy/your-data/s" in text
