"""The public list: order, counts with the unnamed, search, keyset pagination, escaping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from signatures import actions, public
from signatures.models import Signature
from tests.conftest import make_statement

pytestmark = pytest.mark.django_db(transaction=True)


def visible(statement, name, *, kind="individual", n=0, show_name=True, **fields):
    """A confirmed, visible signature, counted as the actions count it."""
    signature = Signature.objects.create(
        statement=statement, kind=kind, name=name, email=f"{n}-{name[:10]}@example.org".lower()
        .replace(" ", ""), show_name=show_name, status=Signature.Status.HELD,
        confirmed_at=timezone.now() + timedelta(seconds=n), **fields)
    actions.do_approve(Signature.objects.filter(pk=signature.pk), actor=None)
    return signature


def test_organisations_first_linked_then_individuals_with_details(anon, statement):
    visible(statement, "Ana Lima", n=1, organisation_name="Uni", role="Teacher", country="Chile")
    visible(statement, "Chair", kind="organisation", n=2, organisation_name="River Keepers",
            role="Chair")
    actions.do_record_organisation(statement, "Recorded Org", actor=None)
    html = anon.get("/en/s/water-is-life/").content.decode()
    assert html.index("River Keepers") < html.index("Ana Lima")
    assert html.index("Recorded Org") < html.index("Ana Lima")
    assert '<a href="/en/organisation/river-keepers/">River Keepers</a>' in html
    assert '<a href="/en/organisation/recorded-org/">Recorded Org</a>' in html
    assert "Ana Lima, Uni (Teacher), Chile" in html
    organisation_page = anon.get("/en/organisation/recorded-org/").content.decode()
    assert "Water is life" in organisation_page
    assert "2 organisations" in html and "1 person" in html


def test_record_organisation_is_idempotent_and_counted(statement):
    first = actions.do_record_organisation(statement, "Recorded Org", actor=None)
    again = actions.do_record_organisation(statement, "Recorded Org", actor=None)
    assert first.pk == again.pk
    assert actions.counts(statement).organisations == 1


def test_unnamed_are_counted_as_others(anon, statement):
    visible(statement, "Named Person", n=1)
    for n in range(3):
        visible(statement, f"Hidden {n}", n=n + 2, show_name=False)
    html = anon.get("/en/s/water-is-life/").content.decode()
    assert "Named Person" in html and "Hidden" not in html
    assert "4 people" in html
    assert "and 3 others" in html
    list_html = anon.get("/en/signatories/water-is-life/").content.decode()
    assert "and 3 others who chose not to be named" in list_html


def test_thousands_are_grouped(anon, statement):
    from signatures.models import SignatureCounter
    SignatureCounter.objects.create(statement=statement, individuals=1234, individuals_named=0)
    html = anon.get("/en/s/water-is-life/").content.decode()
    assert "1,234 people" in html and "and 1,234 others" in html


def test_goal_is_a_progress_element_without_inline_style(anon):
    statement = make_statement("goal", signature_goal=100)
    for n in range(3):
        visible(statement, f"P {n}", n=n)
    html = anon.get("/en/s/goal/").content.decode()
    assert '<progress id="signature-goal" max="100" value="3">' in html
    assert "style=" not in html


def test_order_alphabetical_and_search(anon, statement):
    for n, name in enumerate(["Zoe Adams", "álvaro Núñez", "Bea Costa", "José Pérez"]):
        visible(statement, name, n=n)
    by_time = anon.get("/en/signatories/water-is-life/").content.decode()
    assert by_time.index("Zoe Adams") < by_time.index("Bea Costa")
    by_name = anon.get("/en/signatories/water-is-life/?order=name").content.decode()
    positions = [by_name.index(n) for n in ("álvaro Núñez", "Bea Costa", "José Pérez", "Zoe Adams")]
    assert positions == sorted(positions)
    found = anon.get("/en/signatories/water-is-life/?q=jose").content.decode()
    assert "José Pérez" in found and "Zoe Adams" not in found
    none = anon.get("/en/signatories/water-is-life/?q=nobody").content.decode()
    assert "No signatory shown by name matches" in none


@pytest.mark.parametrize("order", ["confirmed", "name"])
def test_keyset_pagination_walks_every_name_once_without_offset_or_count(anon, statement,
                                                                          monkeypatch, order):
    monkeypatch.setattr(public, "PAGE_SIZE", 7)
    names = [f"Person {n:03d}" for n in range(30)]
    for n, name in enumerate(reversed(names)):
        visible(statement, name, n=n)
    seen, url, pages = [], f"/en/signatories/water-is-life/?order={order}", 0
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = anon.get(url)
        assert response.status_code == 200
        sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
        assert "OFFSET" not in sql and "COUNT(" not in sql
        html = response.content.decode()
        seen += [n for n in names if n in html]
        pages += 1
        marker = 'rel="next"'
        if marker in html:
            start = html.rindex('href="', 0, html.index(marker)) + 6
            url = html[start:html.index('"', start)].replace("&amp;", "&")
        else:
            url = ""
    assert sorted(seen) == names and len(seen) == 30
    assert pages == 5


def test_statement_page_does_no_count_or_offset(anon, statement):
    for n in range(60):
        visible(statement, f"Person {n}", n=n)
    with CaptureQueriesContext(connection) as queries:
        html = anon.get("/en/s/water-is-life/").content.decode()
    sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
    assert "OFFSET" not in sql and "COUNT(" not in sql
    assert "60 people" in html and "and 40 others" in html


def test_bad_list_queries_are_400(anon, statement):
    for query in ("kind=robot", "order=random", "after=abc", "after=999999", "q=%01",
                  "order=name&after=x~y"):
        assert anon.get(f"/en/signatories/water-is-life/?{query}").status_code == 400, query
    assert anon.post("/en/signatories/water-is-life/").status_code == 405


def test_names_and_comments_are_escaped_and_never_linked(anon, statement):
    signature = visible(statement, "<script>alert(1)</script> http://evil.example", n=1,
                        comment="See https://evil.example <b>now</b>")
    actions.do_moderate_comments(Signature.objects.filter(pk=signature.pk), actor=None, approve=True)
    html = anon.get("/en/s/water-is-life/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; http://evil.example" in html
    assert "&lt;b&gt;now&lt;/b&gt;" in html
    assert 'href="http://evil.example' not in html and 'href="https://evil.example' not in html


def test_comment_shown_only_once_moderated_and_when_the_statement_shows_them(anon):
    statement = make_statement("comments")
    signature = visible(statement, "Ana", n=1, comment="Because water matters")
    Signature.objects.filter(pk=signature.pk).update(comment_approved=False)
    assert "Because water matters" not in anon.get("/en/s/comments/").content.decode()
    actions.do_moderate_comments(Signature.objects.all(), actor=None, approve=True)
    assert "Because water matters" in anon.get("/en/s/comments/").content.decode()
    statement.show_signature_comments = False
    statement.save()
    assert "Because water matters" not in anon.get("/en/s/comments/").content.decode()
