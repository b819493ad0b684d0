"""The statement page's first screen (count, goal, deadline, Sign) and its short signatory
list; the draft preview's disabled form; the meta line without empty separators."""

from __future__ import annotations

import gzip
import itertools
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from signatures import actions, public
from signatures.models import Signature
from statements.models import Statement
from tests.conftest import cold_caches, make_statement
from tests.signatures.test_list import visible

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/en/s/water-is-life/"


def first_screen(html: str) -> str:
    """What comes before the statement's text."""
    return html.split('<div class="body">', 1)[0]


def test_count_and_sign_button_come_before_the_text(anon, statement):
    for n in range(3):
        visible(statement, f"Person {n}", n=n)
    visible(statement, "Org", kind="organisation", n=9, organisation_name="Org One")
    html = anon.get(PAGE).content.decode()
    top = first_screen(html)
    assert "1 organisation · 3 people" in top
    assert '<a class="button" href="#sign">Sign</a>' in top
    assert 'id="sign"' in html and html.index('id="sign"') > html.index('<div class="body">')
    # The form comes before the list of names.
    assert html.index('class="sign-form"') < html.index("Person 0")


def test_goal_and_deadline_are_on_the_first_screen(anon):
    deadline = timezone.now() + timedelta(days=3)
    make_statement("goal", signature_goal=500, signing_deadline=deadline)
    top = first_screen(anon.get("/en/s/goal/").content.decode())
    assert '<progress id="signature-goal" max="500" value="0">' in top
    assert "0 of a goal of 500 signatures" in top
    assert "Open for signing until" in top
    assert 'href="#sign"' in top


@pytest.mark.parametrize(("fields", "message"), [
    ({"status": Statement.Status.CLOSED}, "Signing is closed for this statement."),
    ({"signing_deadline": timezone.now() - timedelta(days=1)}, "Signing closed at the deadline"),
])
def test_a_closed_statement_says_so_at_the_top_instead_of_sign(anon, fields, message):
    make_statement("closed", **fields)
    html = anon.get("/en/s/closed/").content.decode()
    assert message in first_screen(html)
    assert 'href="#sign"' not in html and 'class="sign-form"' not in html


def test_the_list_names_20_organisations_first_then_the_latest_20_people(anon, statement):
    for n in range(25):
        visible(statement, f"Chair {n}", kind="organisation", n=n, organisation_name=f"Org {n:02d}")
    for n in range(30):
        visible(statement, f"Person {n:02d}", n=100 + n)
    html = anon.get(PAGE).content.decode()
    orgs = [f"Org {n:02d}" for n in range(25)]
    people = [f"Person {n:02d}" for n in range(30)]
    assert [o for o in orgs if o in html] == orgs[:public.SECTION_ORGANISATIONS]
    assert [p for p in people if p in html] == people[-public.SECTION_INDIVIDUALS:]
    shown_people = [p for p in people if p in html]
    assert sorted(shown_people, key=html.index) == list(reversed(shown_people))  # newest first
    assert html.index("Org 00") < html.index("Person 29")
    assert '<a href="/en/signatories/water-is-life/?kind=organisation">and 5 other organisations</a>' in html
    assert '<a href="/en/signatories/water-is-life/">and 10 others</a>' in html
    assert "Latest individuals" in html


def test_count_only_signers_and_hidden_organisations_are_never_named(anon, statement):
    visible(statement, "Named Person", n=1)
    visible(statement, "Secret Person", n=2, show_name=False)
    visible(statement, "Chair", kind="organisation", n=3, organisation_name="Hidden Org",
            show_name=False)
    html = anon.get(PAGE).content.decode()
    assert "Named Person" in html
    assert "Secret Person" not in html and "Hidden Org" not in html
    assert "1 organisation · 2 people" in html


def test_the_statement_page_reads_counters_once_and_no_row_per_signer(anon, statement):
    def queries() -> list[str]:
        cold_caches()
        with CaptureQueriesContext(connection) as captured:
            assert anon.get(PAGE).status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    for n in range(3):
        visible(statement, f"Person {n}", n=n)
    few = queries()
    for n in range(3, 40):
        visible(statement, f"Person {n}", n=n)
    many = queries()
    assert len(many) == len(few)
    assert len([q for q in many if "signaturecounter" in q.lower()]) == 1


def test_a_full_page_stays_under_30_kb_compressed(anon, statement):
    statement.body = "\n\n".join(["We stand together with the communities of the river. " * 12]
                                 * 25)
    statement.save()
    for n in range(30):
        visible(statement, f"Chair {n}", kind="organisation", n=n,
                organisation_name=f"Federation of Community Water Committees {n}",
                country="Bolivia")
    for n in range(40):
        visible(statement, f"María Fernanda Quispe Mamani {n}", n=100 + n,
                organisation_name="Universidad Mayor de San Andrés", role="Profesora",
                country="Bolivia")
    response = anon.get(PAGE)
    assert len(gzip.compress(response.content)) <= 30 * 1024


def test_editor_preview_shows_the_form_disabled_with_a_note(editor_client):
    make_statement("draft", status=Statement.Status.DRAFT)
    html = editor_client.get("/en/s/draft/").content.decode()
    assert "Signing is closed" not in html
    assert '<fieldset class="preview-form" disabled>' in html
    assert "It cannot be sent from the preview." in html
    fieldset = html.split('<fieldset class="preview-form" disabled>', 1)[1]
    assert fieldset.index('class="sign-form"') < fieldset.index("</form>")
    assert 'href="#sign"' in first_screen(html)


def meta(html: str) -> str:
    match = re.search(r'<p class="meta"[^>]*>(.*?)</p>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


@pytest.mark.parametrize(("issuers", "dated", "category"),
                         list(itertools.product([(), ("River Keepers",)], [True, False],
                                                [None, "Opinion"])))
def test_the_meta_line_has_no_empty_separator(anon, issuers, dated, category):
    statement = make_statement("meta", issuers=issuers, category=category)
    if not dated:
        Statement.objects.filter(pk=statement.pk).update(published_at=None)
        cold_caches()
    parts = [p for p in (issuers and "Issued by River Keepers",
                         dated and timezone.now().strftime("%Y"), category) if p]
    for html in (anon.get("/en/s/meta/").content.decode(), anon.get("/en/").content.decode()):
        line = meta(html)
        assert not re.search(r"·\s*·|^\s*·|·\s*$", line), line
        assert line.count("·") == max(len(parts) - 1, 0), line
        for part in parts:
            assert part in line


def test_the_card_of_a_closed_statement_separates_signing_closed_once(anon):
    statement = make_statement("meta", issuers=(), category=None, status=Statement.Status.CLOSED)
    Statement.objects.filter(pk=statement.pk).update(published_at=None)
    cache.clear()
    assert meta(anon.get("/en/").content.decode()) == "Signing closed"


def test_withdrawn_signer_leaves_the_first_screen_count(anon, statement):
    signature = visible(statement, "Ana", n=1)
    assert "1 person" in first_screen(anon.get(PAGE).content.decode())
    actions.do_withdraw(Signature.objects.get(pk=signature.pk))
    assert "0 people" in first_screen(anon.get(PAGE).content.decode())
