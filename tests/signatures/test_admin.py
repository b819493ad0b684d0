"""Editors and moderators: the queue, bulk approve and reject, linking, exports, the audit log."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.http import StreamingHttpResponse
from django.utils import timezone

from core.models import AuditEntry
from signatures import actions, exports
from signatures.models import Signature
from statements.models import Organisation

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = "/admin/signatures/signature/"


def held(statement, name, *, kind="individual", n=0, **fields):
    return Signature.objects.create(
        statement=statement, kind=kind, name=name, email=f"s{n}@example.org",
        status=Signature.Status.HELD, confirmed_at=timezone.now(), **fields)


def test_queue_shows_held_signatures_per_statement(moderator_client, statement):
    held(statement, "Held Person", n=1, country="Chile")
    Signature.objects.create(statement=statement, kind="individual", name="Pending Person",
                             email="p@example.org")
    response = moderator_client.get(QUEUE, {"statement": statement.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Held Person" in html and "Pending Person" not in html
    # The date as the admin's own date filter writes it in its links: with its time zone.
    for query in ({"kind": "individual"}, {"country": "Chile"}, {"status": "all"},
                  {"status": "rejected"}, {"confirmed_at__gte": "2000-01-01 00:00:00+00:00"}):
        assert moderator_client.get(QUEUE, {"statement": statement.pk, **query}).status_code == 200
    assert "s1@example.org" not in html


def test_bulk_approve_and_reject(moderator_client, anon, statement, mailbox, tasks):
    statement.rejection_message = "Your signature could not be added."
    statement.save()
    good = [held(statement, f"Good {n}", n=n) for n in range(3)]
    bad = held(statement, "Spam Bot", n=9)
    response = moderator_client.post(QUEUE, {"action": "approve", "_selected_action":
                                             [s.pk for s in good]})
    assert response.status_code == 302
    moderator_client.post(QUEUE, {"action": "reject", "_selected_action": [bad.pk]})
    html = anon.get("/en/s/water-is-life/").content.decode()
    assert all(f"Good {n}" in html for n in range(3))
    assert "Spam Bot" not in html
    assert actions.counts(statement).individuals == 3
    assert AuditEntry.objects.filter(action="signature.approve").count() == 3
    assert AuditEntry.objects.filter(action="signature.reject").count() == 1
    tasks()
    [message] = mailbox.to("s9@example.org")
    body = mailbox.text(message)
    assert "could not be added" in body and "/signature/manage/" in body
    assert mailbox.to("s0@example.org") == []
    # Rejecting a visible one removes it and its count at once.
    moderator_client.post(QUEUE + "?status=visible", {"action": "reject",
                                                      "_selected_action": [good[0].pk]})
    assert "Good 0" not in anon.get("/en/s/water-is-life/").content.decode()
    assert actions.counts(statement).individuals == 2


def test_rejected_never_appears_anywhere_public(anon, statement):
    signature = held(statement, "Rejected Name", n=1)
    actions.do_reject(Signature.objects.filter(pk=signature.pk), actor=None)
    for url in ("/en/s/water-is-life/", "/en/signatories/water-is-life/",
                "/en/signatories/water-is-life/?q=rejected"):
        assert "Rejected Name" not in anon.get(url).content.decode()
    assert "Rejected Name" not in "".join(
        ",".join(row) for row in exports.export_rows(statement, with_emails=False))


def test_no_status_is_told_to_a_rejected_signer_without_a_message(statement, mailbox, tasks):
    signature = held(statement, "Quiet", n=1)
    actions.do_reject(Signature.objects.filter(pk=signature.pk), actor=None)
    tasks()
    assert mailbox.messages == []


def test_approved_organisation_is_linked_existing_or_new(moderator_client, anon, statement):
    existing = Organisation.objects.get(slug="river-keepers")
    a = held(statement, "Chair", kind="organisation", n=1, organisation_name="river keepers",
             role="Chair")
    b = held(statement, "Boss", kind="organisation", n=2, organisation_name="Brand New Coop",
             role="Boss")
    moderator_client.post(QUEUE, {"action": "approve", "_selected_action": [a.pk, b.pk]})
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.organisation == existing
    assert b.organisation.slug == "brand-new-coop"
    page = anon.get("/en/organisation/brand-new-coop/").content.decode()
    assert "Water is life" in page


def test_editor_links_an_organisation_by_hand(editor_client, statement):
    signature = held(statement, "Chair", kind="organisation", n=1, organisation_name="RK",
                     role="Chair")
    organisation = Organisation.objects.get(slug="river-keepers")
    response = editor_client.post(f"{QUEUE}{signature.pk}/change/",
                                  {"organisation": organisation.pk})
    assert response.status_code == 302, response.content[:2000]
    signature.refresh_from_db()
    assert signature.organisation == organisation
    assert signature.status == Signature.Status.HELD  # status only changes through actions
    assert AuditEntry.objects.filter(action="signature.link_organisation").exists()


def test_emails_only_for_editors_with_the_permission(editor_client, moderator_client, statement):
    signature = held(statement, "Someone", n=1)
    assert "s1@example.org" in editor_client.get(f"{QUEUE}{signature.pk}/change/").content.decode()
    assert "s1@example.org" not in moderator_client.get(
        f"{QUEUE}{signature.pk}/change/").content.decode()


def _csv(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")  # the byte order mark spreadsheets read UTF-8 by
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_exports_are_streamed_neutralised_gated_and_logged(editor_client, moderator_client,
                                                          statement):
    for n, name in enumerate(["=HYPERLINK(\"http://x\")", "+1 Plus", "-minus", "@at",
                              "\tTab", "Plain Name"]):
        signature = held(statement, name, n=n)
        actions.do_approve(Signature.objects.filter(pk=signature.pk), actor=None)
    hidden = held(statement, "Hidden Person", n=20, show_name=False)
    actions.do_approve(Signature.objects.filter(pk=hidden.pk), actor=None)
    url = f"{QUEUE}export/{statement.pk}/"
    rows = _csv(moderator_client.get(url))
    assert rows[0] == ["Kind", "Name", "Organisation", "Role", "Country", "Comment",
                       "Confirmed at"]
    names = [row[1] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://x\")" in names and "'+1 Plus" in names
    assert "'-minus" in names and "'@at" in names and "'\tTab" in names
    assert "Plain Name" in names and "Hidden Person" not in names
    assert not any("@example.org" in cell for row in rows for cell in row)
    assert moderator_client.get(f"{url}emails/").status_code == 403
    with_emails = _csv(editor_client.get(f"{url}emails/"))
    assert "Email" in with_emails[0]
    assert any("s20@example.org" in row for row in with_emails)
    entries = list(AuditEntry.objects.values_list("action", "actor_name"))
    assert ("signature.export", "mo") in entries
    assert ("signature.export_emails", "edna") in entries


def test_export_memory_is_constant(statement, django_assert_max_num_queries):
    Signature.objects.bulk_create([
        Signature(statement=statement, kind="individual", name=f"P{n}", email=f"p{n}@example.org",
                  status=Signature.Status.VISIBLE, confirmed_at=timezone.now())
        for n in range(5000)])
    rows = exports.export_rows(statement, with_emails=False)
    next(rows)
    # .iterator() fetches in chunks: the queryset never holds the whole list.
    with django_assert_max_num_queries(10):
        assert sum(1 for _ in rows) == 5000


def test_staff_without_permission_cannot_moderate(statement, client):
    user = User.objects.create_user("nobody", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(QUEUE).status_code == 403
    assert client.get(f"{QUEUE}export/{statement.pk}/").status_code == 403


def test_export_opens_in_a_spreadsheet_in_the_editors_language(editor_client, statement,
                                                                settings):
    """A Spanish-speaking editor gets Spanish column names, a byte order mark and times to
    the second in the site's time zone, with its offset."""
    settings.TIME_ZONE = "America/Santiago"
    signature = held(statement, "Señora Ñandú", n=1, country="Chile")
    actions.do_approve(Signature.objects.filter(pk=signature.pk), actor=None)
    Signature.objects.filter(pk=signature.pk).update(
        confirmed_at=datetime(2026, 7, 1, 15, 4, 5, 123456, tzinfo=UTC))
    rows = _csv(editor_client.get(f"{QUEUE}export/{statement.pk}/emails/",
                                  HTTP_ACCEPT_LANGUAGE="es"))
    assert rows[0][:7] == ["Tipo", "Nombre", "Organización", "Cargo", "País", "Comentario",
                           "Confirmada el"]
    assert "Correo electrónico" in rows[0]
    [row] = rows[1:]
    assert row[1] == "Señora Ñandú"
    assert row[6] == "2026-07-01T11:04:05-04:00"  # no microseconds; Santiago's winter offset
