"""Delivery records: recorded by editors in the admin (hash, count, revision, audit), shown on
the statement's page, and any copy checked against them by anyone."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEntry
from core.roles import EDITOR, MODERATOR
from delivery import actions, views
from delivery.models import Delivery
from statements.models import Revision
from tests.delivery.conftest import sign, staff_client

pytestmark = pytest.mark.django_db

ADD = "/admin/delivery/delivery/add/"
DELIVERIES = "/en/deliveries/water-is-life/"
CHECK = "/en/deliveries/water-is-life/check/"
FILE = b"%PDF-1.7 the list as delivered\n" * 1000
FILE_HASH = hashlib.sha256(FILE).hexdigest()


def record(statement, client, **fields):
    data = {"statement": statement.pk, "recipient": "Ministry of Water",
            "delivered_on": "2026-11-20", "method": "by-hand", "method_detail": "at the door",
            "handed_over": SimpleUploadedFile("list.pdf", FILE, "application/pdf"), **fields}
    return client.post(ADD, data)


def test_an_editor_records_a_delivery_with_its_hash_count_and_revision(statement, anon):
    Revision.objects.create(statement=statement, language="en", number=3, title="t", body="b")
    sign(statement, "Ana Lima", n=1)
    sign(statement, "Quiet Person", n=2, show_name=False)
    editor = staff_client("edna", EDITOR)
    response = record(statement, editor)
    assert response.status_code == 302, response.content.decode()[:2000]
    delivery = Delivery.objects.get()
    assert (delivery.recipient, delivery.delivered_on, delivery.sha256, delivery.file_size,
            delivery.file_name, delivery.signature_count, delivery.revision_number) == (
        "Ministry of Water", date(2026, 11, 20), FILE_HASH, len(FILE), "list.pdf", 2, 3)
    assert delivery.created_by.username == "edna"
    entry = AuditEntry.objects.get(action="delivery.record")
    assert entry.actor_name == "edna" and entry.detail["sha256"] == FILE_HASH
    page = anon.get("/en/s/water-is-life/").content.decode()
    assert "Delivered to Ministry of Water on Nov. 20, 2026 with 2 signatures" in page
    listing = anon.get(DELIVERIES).content.decode()
    assert FILE_HASH in listing and "at the door" in listing and "By hand" in listing


def test_the_statement_page_shows_the_delivery_at_once(statement, anon):
    assert "Delivered to" not in anon.get("/en/s/water-is-life/").content.decode()
    actions.do_record_delivery(
        statement, recipient="The Rector", delivered_on=date(2026, 1, 2), method="email",
        method_detail="", handed_over=actions.HandedOver("l.pdf", 3, "a" * 64), actor=None)
    assert "Delivered to The Rector" in anon.get("/en/s/water-is-life/").content.decode()


def test_a_moderator_cannot_record_and_nobody_edits_a_record(statement):
    assert record(statement, staff_client("mo", MODERATOR)).status_code == 403
    editor = staff_client("edna", EDITOR)
    record(statement, editor)
    delivery = Delivery.objects.get()
    response = editor.post(f"/admin/delivery/delivery/{delivery.pk}/change/",
                           {"recipient": "Someone else"})
    assert response.status_code == 403
    delivery.refresh_from_db()
    assert delivery.recipient == "Ministry of Water"


def test_a_record_without_a_file_is_refused_and_nothing_is_stored(statement):
    editor = staff_client("edna", EDITOR)
    response = record(statement, editor, handed_over="")
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not Delivery.objects.exists()


@pytest.fixture
def delivered(statement):
    return actions.do_record_delivery(
        statement, recipient="Ministry of Water", delivered_on=date(2026, 11, 20),
        method="post", method_detail="", actor=None,
        handed_over=actions.HandedOver("list.pdf", len(FILE), FILE_HASH))


def test_anyone_checks_a_file_or_a_pasted_hash(anon, delivered):
    upload = SimpleUploadedFile("copy.pdf", FILE, "application/pdf")
    response = anon.post(CHECK, {"file": upload})
    assert response.status_code == 200
    assert "This file matches the delivery to Ministry of Water on Nov. 20, 2026" in (
        response.content.decode())
    pasted = anon.post(CHECK, {"sha256": f"{FILE_HASH.upper()}  list.pdf\n"})
    assert "matches the delivery to Ministry of Water" in pasted.content.decode()
    other = anon.post(CHECK, {"file": SimpleUploadedFile("x.pdf", FILE + b"!", "application/pdf")})
    assert other.status_code == 200
    assert "This file matches no delivery of this statement." in other.content.decode()


@pytest.mark.parametrize(("data", "status", "message"), [
    ({}, 400, "Please choose a file, or paste its SHA-256."),
    ({"sha256": "not a hash"}, 400, "This is not a SHA-256"),
    ({"sha256": "a" * 63}, 400, "This is not a SHA-256"),
    ({"sha256": "g" * 64}, 400, "This is not a SHA-256"),
    ({"sha256": "\x00" * 64}, 400, "This is not a SHA-256"),
])
def test_bad_input_gets_a_clear_4xx_and_changes_nothing(anon, delivered, data, status, message):
    response = anon.post(CHECK, data)
    assert response.status_code == status
    assert message in response.content.decode()
    assert Delivery.objects.count() == 1


def test_a_file_too_big_is_refused_before_it_is_read(anon, delivered, monkeypatch):
    monkeypatch.setattr(views, "MAX_CHECK_BYTES", 1000)
    upload = SimpleUploadedFile("big.pdf", b"x" * 200_000, "application/pdf")
    response = anon.post(CHECK, {"file": upload})
    assert response.status_code == 413
    assert "larger than the lists delivered here" in response.content.decode()


def test_a_cross_site_post_and_a_get_are_refused(anon, delivered):
    assert anon.post(CHECK, {"sha256": FILE_HASH},
                     HTTP_SEC_FETCH_SITE="cross-site").status_code == 403
    assert anon.get(CHECK).status_code == 405


def test_checks_are_rate_limited_per_network(anon, delivered, frozen_limit_clock):
    statuses = [anon.post(CHECK, {"sha256": FILE_HASH}).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429


def test_no_deliveries_page_for_a_draft(anon):
    from tests.conftest import make_statement
    make_statement("draft-one", status="draft")
    assert anon.get("/en/deliveries/draft-one/").status_code == 404
    assert anon.get("/en/deliveries/no-such/").status_code == 404


def test_hashing_and_parsing():
    assert actions.hash_chunks("f", [b"ab", b"c"]).sha256 == hashlib.sha256(b"abc").hexdigest()
    assert actions.parse_hash(" " + "A" * 64 + " ") == "a" * 64
    assert actions.parse_hash("") is None
    assert actions.parse_hash("a" * 65) is None
