"""The editors' dashboard: who may see it, what it shows from a known set of sign-ons, and
that its work does not grow with the number of signatures."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import Comment
from core.roles import EDITOR, MODERATOR
from signatures import actions
from signatures.models import Signature
from tests.conftest import cold_caches, make_statement
from tests.dashboard.conftest import organisation_fields, sign, staff

pytestmark = pytest.mark.django_db


def url(statement) -> str:
    return f"/admin/dashboard/{statement.pk}/"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_anonymous_visitors_are_sent_to_sign_in(anon, statement) -> None:
    response = anon.get(url(statement))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert "Sign-ons" not in response.content.decode()


def test_a_signed_in_visitor_who_is_not_staff_is_sent_to_sign_in(client_of, statement) -> None:
    user = User.objects.create_user("visitor", password="not-used-here")
    response = client_of(user).get(url(statement))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_who_may_not_edit_statements_are_refused(client_of, statement) -> None:
    for user in (staff("plain"), staff("mo", MODERATOR)):
        response = client_of(user).get(url(statement))
        assert response.status_code == 403
        assert "Received" not in response.content.decode()


def test_editors_see_it_and_the_statement_s_admin_page_links_to_it(client_of, statement) -> None:
    editor = client_of(staff("edna", EDITOR))
    response = editor.get(url(statement))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in \
        response["Cache-Control"]
    assert "Dashboard: Water is life" in text(response)
    change = editor.get(f"/admin/statements/statement/{statement.pk}/change/")
    assert f'href="{url(statement)}"' in change.content.decode()


@pytest.mark.parametrize(("path", "status"), [
    ("/admin/dashboard/999999/", 404), ("/admin/dashboard/abc/", 404),
    ("/admin/dashboard/-1/", 404), ("/admin/dashboard/1%00/", 400),
    ("/admin/dashboard/99999999999999999999999/", 404)])
def test_unknown_statements_are_a_clear_4xx(client_of, statement, path, status) -> None:
    response = client_of(staff("edna", EDITOR)).get(path)
    assert response.status_code == status


def test_wrong_methods_change_nothing(client_of, statement) -> None:
    editor = client_of(staff("edna", EDITOR))
    assert editor.post(url(statement)).status_code == 405
    assert editor.delete(url(statement)).status_code == 405
    assert not Signature.objects.exists()


def test_the_figures_of_a_known_set_of_sign_ons(anon, client_of, settings) -> None:
    settings.TIME_ZONE = "UTC"
    statement = make_statement()
    signatures = [sign(anon, statement, name="Ana", country="México"),
                  sign(anon, statement, name="Ben", country="mexico", language="es"),
                  sign(anon, statement, name="Cai", country="Chile"),
                  sign(anon, statement, name="Dee", country="<b>Atlantis</b>"),
                  sign(anon, statement, name="Eva", country="Chile",
                       **organisation_fields("Union"))]
    for signature in signatures[:4]:
        actions.do_confirm(signature)
    actions.do_confirm(signatures[4])  # held: organisations are reviewed
    Comment.objects.create(statement=statement, name="Zed", email="z@example.org",
                           body="Held one", status=Comment.Status.HELD)
    sign(anon, statement, name="Fay", country="Peru")  # received, never confirmed
    response = client_of(staff("edna", EDITOR)).get(url(statement))
    page = response.content.decode()
    shown = text(response)
    assert "Sign-ons received 6" in shown
    assert "5 (83 % of those received)" in shown
    # Waiting for review, with the way to the queues.
    assert "On behalf of an organisation: 1 held" in shown
    assert "Individual: 0 held" in shown
    assert f"?statement={statement.pk}&amp;status=held&amp;kind__exact=organisation" in page
    assert "1 comment held" in shown
    assert f"status__exact=held&amp;statement__id__exact={statement.pk}" in page
    # Six charts, each an accessible image with a table under it.
    content = page[page.index('id="content-main"'):]
    assert content.count('role="img"') == 6
    assert content.count("<table>") == 6
    for title in ("Sign-ons confirmed per hour, last 48 hours",
                  "Sign-ons confirmed per day, whole campaign", "By kind", "By country",
                  "By language version", "Confirmation rate"):
        assert f">{title}</h2>" in page
    # By country: grouped, largest first, escaped.
    assert "Country Confirmed Share Chile 2 40 % Mexico 2 40 % B Atlantis B 1 20 %" in shown
    assert "<b>Atlantis" not in page
    # By kind and by language: received and confirmed.
    assert "Individual 5 4" in shown and "On behalf of an organisation 1 1" in shown
    assert "English 5 4" in shown and "Spanish 1 1" in shown
    # Today's and this hour's bars hold them.
    today = timezone.now()
    assert f"{today:%A} {today.day} {today:%B} {today.year} 6 5" in shown
    assert "Received 6 100 %" in shown and "Confirmed 5 83 %" in shown
    # No signer's name or address anywhere on it.
    for secret in ("Ana", "signer1", "@example.org", "Union"):
        assert secret not in page


def queries_of(client, path: str) -> list[str]:
    cold_caches()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_its_queries_are_few_and_the_same_for_many_signatures(anon, client_of, settings) -> None:
    statement = make_statement(signature_moderation="none")
    editor = client_of(staff("edna", EDITOR))
    for n in range(3):
        actions.do_confirm(sign(anon, statement, name=f"P{n}", country=f"C{n}"))
    few = queries_of(editor, url(statement))
    earlier = timezone.now() - timedelta(days=5)
    for n in range(40):
        signature = sign(anon, statement, name=f"Q{n}", country=f"Country {n}",
                         language=["en", "es"][n % 2])
        actions.do_confirm(signature)
    Signature.objects.filter(name__startswith="Q").update(created_at=earlier)
    many = queries_of(editor, url(statement))
    assert len(many) == len(few) <= 16
    # The signatures table is read once, for the held ones (an index range, not a scan).
    signature_reads = [sql for sql in many if 'FROM "signatures_signature"' in sql]
    assert len(signature_reads) == 1
    assert "'held'" in signature_reads[0] or "held" in signature_reads[0]
