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
    from privacy.actions import forget_address
    from privacy.holdings import holds_anything

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


def test_forget_removes_organisation_records_left_without_public_reference(
        anon: Client, statement) -> None:
    """An organisation record (and its page at a guessable address) that only an erased
    sign-on referred to goes with it; one the signer chose to show stays, as its name does."""
    from statements.models import Organisation

    other = make_statement("second", title="Second")
    third = make_statement("third", title="Third")
    # What older code left behind: a record for a hidden organisation, and one an editor linked
    # to a sign-on still held.
    for target, name, fields in [
            (statement, "Hidden Legacy Union", {"status": "visible", "show_name": False}),
            (other, "Held Linked Union", {"status": "held"}),
            (third, "Named Union", {"status": "visible"})]:
        organisation = Organisation.objects.create(name=name, slug=name.lower().replace(" ", "-"))
        make_signature(target, EMAIL, kind="organisation", organisation_name=name,
                       organisation=organisation, **fields)
    assert anon.post(url_path(), {"action": "forget", "confirm": "on"}).status_code == 200

    assert list(Organisation.objects.filter(name__endswith="Union").values_list("name", flat=True)) \
        == ["Named Union"]
    for slug, name in [("hidden-legacy-union", "Hidden Legacy Union"),
                       ("held-linked-union", "Held Linked Union")]:
        for language in ("en", "es"):
            response = anon.get(f"/{language}/organisation/{slug}/")
            assert response.status_code == 404 and name not in response.content.decode()
    assert "Third" in anon.get("/en/organisation/named-union/").content.decode()


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


def test_request_link_is_rate_limited_per_address(anon: Client, statement,
                                                  frozen_limit_clock) -> None:
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


@pytest.mark.django_db(transaction=True)  # the worker closes its connection (PostgreSQL)
def test_request_link_does_the_same_work_for_held_and_unknown_addresses(anon: Client, statement,
                                                                        mailbox, tasks) -> None:
    """Looking the address up in the request took longer when we held it: one request told a
    held address from an unknown one most of the time. Both now run the same statements and
    leave one task row of the same kind, without the address; the worker decides."""
    from django_tasks_db.models import DBTaskResult

    from tests.querywork import work_of, writes

    make_signature(statement, EMAIL)
    make_comment(statement, "carla@example.org")
    # What every page reads once per process (the site settings) is read before we compare.
    anon.get("/en/privacy/your-data/")
    runs = [work_of(lambda email=email: anon.post("/en/privacy/your-data/", {"email": email}))
            for email in (EMAIL, "carla@example.org", "nobody-at-all@example.org")]
    answers = {run[0].content for run in runs}
    assert len(answers) == 1 and {run[0].status_code for run in runs} == {200}
    assert writes(runs[0][1]) and all(run[1] == runs[0][1] for run in runs)
    rows = [row for run in runs for row in run[2]]
    assert len(rows) == 3
    assert {(row["task_path"], row["queue_name"], tuple(sorted(row["args_kwargs"]["kwargs"])),
             len(row["args_kwargs"]["kwargs"]["sealed"])) for row in rows} == {(
        "privacy.tasks.mail_data_rights_link", "mail", ("language", "sealed"),
        len(rows[0]["args_kwargs"]["kwargs"]["sealed"]))}
    assert "example.org" not in str(rows).lower()
    tasks()
    assert len(mailbox.to(EMAIL)) == 1 and len(mailbox.to("carla@example.org")) == 1
    assert not mailbox.to("nobody-at-all@example.org")
    text = mailbox.text(mailbox.to("carla@example.org")[0])
    link = next(line for line in text.splitlines() if "/privacy/your-data/" in line)
    assert anon.get(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])).status_code == 200
    # Once the worker has used it, not even the sealed address stays in the task table.
    assert [row.args_kwargs["kwargs"]["sealed"] for row in
            DBTaskResult.objects.filter(pk__in=[row["id"] for row in rows])] == ["", "", ""]


def test_request_link_is_capped_per_address_per_day_and_says_so_alike(
        anon: Client, statement, frozen_limit_clock) -> None:
    """At most three data-rights mails a day to one address; the fourth request is told so
    in words — the same words whether or not we hold anything about the address."""
    from django.core.cache import cache

    from core import protection
    from privacy.views import LINK_ADDRESS_LIMIT

    make_signature(statement, EMAIL)
    noon = (time.time() // 86400) * 86400 + 12 * 3600
    answers = {}
    for email in (EMAIL, "nobody@example.org"):
        frozen_limit_clock.now = noon
        statuses = [anon.post("/en/privacy/your-data/", {"email": email}).status_code
                    for _ in range(3)]
        assert statuses == [200, 200, 200]
        assert "at most 3 such emails a day" in anon.post(
            "/en/privacy/your-data/", {"email": "other@example.org"}).content.decode()
        frozen_limit_clock.now = noon + 11 * 3600  # the same day, hours later: still refused
        refused = anon.post("/en/privacy/your-data/", {"email": email},
                            REMOTE_ADDR="198.51.100.9")
        assert refused.status_code == 429
        answers[email] = refused.content.decode().replace(email, "ADDRESS")
        frozen_limit_clock.now = noon + 24 * 3600  # the next day
        assert anon.post("/en/privacy/your-data/", {"email": email},
                         REMOTE_ADDR="198.51.100.10").status_code == 200
    frozen_limit_clock.now = noon
    # Counted under a keyed hash: the cache holds nothing a list of guessed addresses finds.
    assert cache.get(protection._window_key(LINK_ADDRESS_LIMIT, EMAIL)) is None
    known, unknown = answers.values()
    assert known == unknown
    assert "we send at most 3 emails a day to one address" in known
    assert "Please try again tomorrow" in known
