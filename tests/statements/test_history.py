"""A statement's public history: its revisions per language, a readable word diff between any
two, "Updated on …" on the statement page, and which text each signer signed."""

from __future__ import annotations

import re

import pytest
from django.db import models
from django.test import Client

from signatures.actions import do_confirm
from signatures.models import Signature
from statements.actions import do_save_statement, record_revisions
from statements.history import BadComparison, Segment, diff_words, parse_comparison
from statements.models import Revision, Statement, Translation
from tests.conftest import make_statement
from tests.statements.test_admin import change

pytestmark = pytest.mark.django_db

BODY_1 = "Water is not for sale.\n\nWe ask the council to keep the river public."
BODY_2 = "Water is not for sale.\n\nWe ask the council to keep every river public, forever."
BODY_3 = "Water is not for sale.\n\nWe demand that the council keep every river public, forever."


def edit(statement: Statement, **fields: str) -> Statement:
    """An editor changes the published text (as the admin's save does)."""
    for name, value in fields.items():
        setattr(statement, name, value)
    do_save_statement(statement, actor=None, created=False)
    return statement


@pytest.fixture
def changed() -> Statement:
    """A statement published (revision 1), then edited twice (revisions 2 and 3)."""
    statement = make_statement("water", title="Water is life", body=BODY_1,
                               summary="A call to the council.")
    record_revisions(statement, actor=None)
    edit(statement, body=BODY_2)
    edit(statement, body=BODY_3, title="Water is life, still")
    return statement


def text_of(html: str) -> str:
    """What a reader sees, roughly: tags dropped, whitespace folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def section(html: str, start: str) -> str:
    return html[html.index(start):]


# --- the diff itself (pure) ---------------------------------------------------------------------

def test_the_diff_marks_changed_words_only() -> None:
    segments = diff_words("keep the river public.", "keep every river public, forever.")
    assert segments == [Segment("same", "keep "), Segment("removed", "the"),
                        Segment("added", "every"), Segment("same", " river public"),
                        Segment("added", ", forever"), Segment("same", ".")]


def test_a_change_of_spacing_alone_is_no_change() -> None:
    segments = diff_words("one two\nthree", "one  two three")
    assert [s.kind for s in segments] == ["same"]
    assert "".join(s.text for s in segments) == "one  two three"


def test_long_unchanged_stretches_are_shortened_around_the_change() -> None:
    words = [f"w{i}" for i in range(200)]
    old = " ".join(words)
    new = " ".join([*words[:100], "NEW", *words[100:]])
    segments = diff_words(old, new)
    kinds = [s.kind for s in segments]
    assert kinds == ["skipped", "same", "added", "same", "skipped"]
    assert segments[0].words == 70 and segments[-1].words == 70
    assert segments[1].text.startswith("w70 ") and segments[3].text.rstrip().endswith("w129")
    # Nothing changed: the whole text, never shortened.
    assert diff_words(old, old) == [Segment("same", old)]


def test_right_to_left_text_is_diffed_by_its_words() -> None:
    segments = diff_words("الماء ليس للبيع.", "الماء ليس للبيع أبدا.")
    assert Segment("added", "أبدا") in segments


@pytest.mark.parametrize(("old", "new", "message"), [
    ("", "abc", "named by its number"), ("", "02", "named by its number"),
    ("", "-1", "named by its number"), ("", " 2", "named by its number"),
    ("", "٢", "named by its number"), ("", "9", "no revision 9"),
    ("2", "2", "two different revisions"), ("3", "1", "must be the older one"),
    ("x", "", "named by its number"), ("0", "", "no revision 0"),
])
def test_comparisons_that_do_not_exist_are_refused(old, new, message) -> None:
    with pytest.raises(BadComparison, match=message):
        parse_comparison(old, new, [3, 2, 1])


def test_a_comparison_defaults_to_each_revision_against_the_one_before() -> None:
    assert parse_comparison("", "", [3, 2, 1]) == parse_comparison("2", "3", [3, 2, 1])
    assert parse_comparison("", "2", [3, 2, 1]).old == 1
    first = parse_comparison("", "1", [3, 2, 1])
    assert first.old is None and first.new == 1
    assert parse_comparison("1", "", [3, 2, 1]).new == 3


# --- the history page ---------------------------------------------------------------------------

def test_history_lists_revisions_newest_first_and_shows_the_latest_change(anon, changed) -> None:
    response = anon.get("/en/s/water/history/en/")
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(html)
    assert text.index("Revision 3") < text.index("Revision 2") < text.index("Revision 1")
    assert "first published" in text and "the current text" in text
    assert "Changes from revision 2 to revision 3" in text
    diff = section(html, 'id="diff-heading"')
    assert '<del><span class="visually-hidden" lang="en">[Removed: </span>ask<' in diff
    assert "<ins>" in diff and "[Added: </span>demand that<" in diff
    assert "Water is life<ins>" in diff and "[Added: </span>, still<" in diff  # the title too
    assert "Summary (unchanged)" in text_of(diff)
    # Links to each revision's change, and back to the statement.
    assert 'href="/en/s/water/history/en/?to=2"' in html
    assert 'href="/en/s/water/history/en/?to=1"' in html
    assert 'href="/en/s/water/"' in html


def test_any_two_revisions_can_be_compared_with_the_form(anon, changed) -> None:
    html = anon.get("/en/s/water/history/en/").content.decode()
    form = section(html, '<form method="get" action="/en/s/water/history/en/"')
    assert 'name="from"' in form and 'name="to"' in form
    assert '<option value="2" selected>' in form.split('name="to"')[0]

    compared = anon.get("/en/s/water/history/en/", {"from": "1", "to": "3"})
    assert compared.status_code == 200
    diff = section(compared.content.decode(), 'id="diff-heading"')
    assert "Changes from revision 1 to revision 3" in text_of(diff)
    assert "[Removed: </span>ask<" in diff and "[Removed: </span>the<" in diff
    assert "[Added: </span>every<" in diff and "[Added: </span>demand that<" in diff


def test_a_revision_alone_shows_its_change_and_the_first_its_text(anon, changed) -> None:
    second = section(anon.get("/en/s/water/history/en/?to=2").content.decode(), 'id="diff-heading"')
    assert "Changes from revision 1 to revision 2" in text_of(second)
    assert "demand" not in second  # revision 3's words are not in revision 2
    first = section(anon.get("/en/s/water/history/en/?to=1").content.decode(), 'id="diff-heading"')
    assert "the text as first published" in text_of(first)
    assert "keep the river public." in first and "<ins>" not in first and "<del>" not in first


def test_the_history_without_a_language_follows_the_interface(anon, changed) -> None:
    Translation.objects.create(statement=changed, language="es", title="El agua es vida",
                               body="El agua no se vende.")
    record_revisions(changed, actor=None)
    english = anon.get("/en/s/water/history/").content.decode()
    assert "Changes from revision 2 to revision 3" in text_of(english)
    spanish = anon.get("/es/s/water/history/").content.decode()
    assert "El agua no se vende." in spanish and "keep every river" not in spanish
    # Each history links to the others.
    assert 'href="/en/s/water/history/es/"' in english
    assert 'href="/es/s/water/history/en/"' in spanish


def test_a_right_to_left_history_has_its_direction(anon) -> None:
    statement = make_statement("maa", title="الماء حياة", body="الماء ليس للبيع.", language="ar")
    record_revisions(statement, actor=None)
    edit(statement, body="الماء ليس للبيع أبدا.")
    html = anon.get("/en/s/maa/history/ar/").content.decode()
    assert '<div class="diff diff-block" lang="ar" dir="rtl">' in html
    assert '<bdi lang="ar" dir="rtl">الماء حياة</bdi>' in html
    assert "[Added: </span>أبدا<" in html


@pytest.mark.parametrize("query", [
    "to=abc", "to=02", "to=-1", "to=9", "to=%EF%BC%92", "from=2&to=2", "from=3&to=1",
    "from=0", "from=1.5&to=3", "to=" + "9" * 400,
])
def test_bad_comparisons_are_a_clear_400_that_changes_nothing(anon, changed, query) -> None:
    before = list(Revision.objects.values_list("id", "number", "body"))
    response = anon.get(f"/en/s/water/history/en/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and 'id="diff-heading"' not in html
    assert 'name="from"' in html  # the form is there to try again
    assert list(Revision.objects.values_list("id", "number", "body")) == before


def test_unknown_statements_languages_and_drafts_are_404(anon, changed) -> None:
    make_statement("draft", status=Statement.Status.DRAFT, title="Secret draft")
    for url in ("/en/s/nothing/history/", "/en/s/water/history/fr/",
                "/en/s/water/history/xx-not-a-language/", "/en/s/draft/history/",
                "/en/s/draft/history/en/"):
        response = anon.get(url)
        assert response.status_code == 404, url
        assert b"Secret draft" not in response.content


def test_a_draft_stays_hidden_even_with_revisions_from_before(anon, changed) -> None:
    # Taken back to draft after publication: its page and its history are both hidden.
    Statement.objects.filter(pk=changed.pk).update(status=Statement.Status.DRAFT)
    assert anon.get("/en/s/water/").status_code == 404
    assert anon.get("/en/s/water/history/en/").status_code == 404


def test_closed_statements_keep_their_history(anon, changed) -> None:
    Statement.objects.filter(pk=changed.pk).update(status=Statement.Status.CLOSED)
    assert anon.get("/en/s/water/history/en/").status_code == 200


def test_history_answers_only_safe_methods(anon, changed) -> None:
    assert anon.post("/en/s/water/history/en/").status_code == 405
    assert anon.head("/en/s/water/history/en/").status_code == 200


def test_a_published_statement_without_a_revision_says_so(anon) -> None:
    make_statement("old", title="Old statement")  # published before revisions were kept
    response = anon.get("/en/s/old/history/en/")
    assert response.status_code == 200
    assert "no published revision yet" in response.content.decode()
    assert anon.get("/en/s/old/history/en/?to=1").status_code == 400


def test_history_is_in_spanish_for_spanish_readers(anon, changed) -> None:
    html = anon.get("/es/s/water/history/en/").content.decode()
    assert '<html lang="es"' in html
    assert "Revisión 3" in html and "[Añadido: </span>demand that<" in html


# --- the page cache -------------------------------------------------------------------------

def test_history_is_cached_and_a_new_revision_shows_at_once(anon, changed) -> None:
    url = "/en/s/water/history/en/"
    assert "Revision 3" in anon.get(url).content.decode()
    # A change nobody announced: the cached page is served, proving it was cached.
    models.QuerySet.update(Revision.objects.filter(statement=changed, number=3),
                           title="Silently changed")
    assert "Silently changed" not in anon.get(url).content.decode()
    # An editor publishes a new text: the history shows revision 4 on the next request.
    edit(changed, body=BODY_3 + " Now.")
    html = anon.get(url).content.decode()
    assert "Revision 4" in html and "[Added: </span>Now.<" in html


def test_comparisons_are_cached_by_their_own_parameters(anon, changed) -> None:
    url = "/en/s/water/history/en/"
    one = anon.get(url, {"from": "1", "to": "2"}).content
    other = anon.get(url, {"from": "1", "to": "3"}).content
    plain = anon.get(url).content
    assert one != other and "Changes from revision 1 to revision 2" in text_of(one.decode())
    assert "Changes from revision 2 to revision 3" in text_of(plain.decode())
    # Asked again (now from the cache), each answers as before.
    assert anon.get(url, {"from": "1", "to": "2"}).content == one
    assert anon.get(url, {"to": "3", "from": "1", "utm_source": "x"}).content == other


def stored_pages() -> int:
    """Pages the page cache holds (the shared cache and this process's layer)."""
    from django.core.cache import cache

    from pages import store

    shared = sum(1 for key in cache._cache if store.PAGE_KEY_PREFIX in key)  # type: ignore[attr-defined]
    return shared + len(store._local_pages.entries)


def test_refused_and_made_up_comparisons_are_never_stored(anon, changed) -> None:
    url = "/en/s/water/history/en/"
    anon.get(url, {"from": "1", "to": "3"})
    before = stored_pages()
    for query in ("to=03", "to=99", "from=3&to=1", "from=2&to=2", "to=+3", "to=3&to=03"):
        for _ in range(2):
            assert anon.get(f"{url}?{query}").status_code == 400, query
    assert stored_pages() == before
    # A parameter the page does not read changes nothing, and is answered from the cache.
    assert anon.get(f"{url}?from=1&to=3&utm_source=x").status_code == 200
    # The statement page reads neither: asked with them, it is answered, never stored again.
    anon.get("/en/s/water/")
    with_parameters = stored_pages()
    assert anon.get("/en/s/water/?to=2&from=1").status_code == 200
    assert stored_pages() == with_parameters > before


def test_the_history_reads_the_same_few_rows_however_many_revisions(
        anon, changed, django_assert_max_num_queries) -> None:
    for n in range(10):
        edit(changed, body=BODY_3 + f" Edit {n}.")
    Client().get("/en/s/water/history/en/")  # warm the per-process copies (site settings)
    with django_assert_max_num_queries(6) as queries:
        response = Client().get("/en/s/water/history/en/", {"from": "1", "to": "13"})
    assert response.status_code == 200 and "Revision 13" in response.content.decode()
    revision_reads = [q for q in queries.captured_queries
                      if "statements_revision" in q["sql"]]
    assert len(revision_reads) == 2


# --- "Updated on …" on the statement page -----------------------------------------------------

def test_a_changed_statement_says_when_and_links_to_its_history(anon, changed) -> None:
    html = anon.get("/en/s/water/").content.decode()
    meta = html[html.index('<p class="meta"'):]
    meta = meta[:meta.index("</p>")]
    assert "Updated on <time" in meta
    assert 'href="/en/s/water/history/en/">see what changed</a>' in meta


def test_an_unchanged_statement_says_nothing_of_updates(anon) -> None:
    statement = make_statement("fresh", title="Fresh")
    record_revisions(statement, actor=None)
    html = anon.get("/en/s/fresh/").content.decode()
    assert "Updated on" not in html and "/history/" not in html


def test_updated_is_per_language_version(anon, changed) -> None:
    Translation.objects.create(statement=changed, language="es", title="El agua es vida",
                               body="El agua no se vende.")
    record_revisions(changed, actor=None)  # the translation's first revision
    spanish = anon.get("/es/s/water/").content.decode()
    assert "Actualizada el" not in spanish and "/history/" not in spanish
    english_in_spanish = anon.get("/es/s/water/en/").content.decode()
    assert "Actualizada el <time" in english_in_spanish
    assert 'href="/es/s/water/history/en/">ver qué cambió</a>' in english_in_spanish


# --- which text each signer signed ----------------------------------------------------------

def signer(statement: Statement, name: str, *, show_name: bool = True,
           kind: str = Signature.Kind.INDIVIDUAL) -> Signature:
    signature = Signature.objects.create(
        statement=statement, kind=kind, name=name if kind == "individual" else "",
        organisation_name=name if kind == "organisation" else "", email=f"{name}@example.org",
        show_name=show_name, language="en")
    return do_confirm(signature)


@pytest.fixture
def signed_before_and_after() -> Statement:
    statement = make_statement("water", title="Water is life", body=BODY_1,
                               signature_moderation="none", show_signed_revision=True)
    record_revisions(statement, actor=None)
    signer(statement, "Early Ana")
    signer(statement, "Early Org", kind=Signature.Kind.ORGANISATION)
    signer(statement, "Hidden Early", show_name=False)
    edit(statement, body=BODY_2)
    signer(statement, "Late Bea")
    return statement


def entry(html: str, name: str) -> str:
    start = html.index(name)
    return html[start:html.index("</li>", start)]


def test_signers_of_an_earlier_text_are_marked_when_editors_ask(anon, signed_before_and_after
                                                               ) -> None:
    for url in ("/en/s/water/", "/en/signatories/water/",
                "/en/signatories/water/?kind=organisation"):
        html = anon.get(url).content.decode()
        assert "Hidden Early" not in html
        names = ("Early Org",) if "organisation" in url else ("Early Ana",)
        for name in names:
            assert "signed an earlier text: revision 1" in entry(html, name), url
        if "organisation" not in url:
            assert "signed an earlier text" not in entry(html, "Late Bea")
        assert 'href="/en/s/water/history/en/">See what changed</a>' in html


def test_nothing_is_marked_when_editors_do_not_ask(anon, signed_before_and_after) -> None:
    Statement.objects.filter(pk=signed_before_and_after.pk).update(show_signed_revision=False)
    for url in ("/en/s/water/", "/en/signatories/water/"):
        html = anon.get(url).content.decode()
        assert "Early Ana" in html and "earlier text" not in html


def test_the_mark_follows_the_canonical_text_not_a_translation(anon, signed_before_and_after
                                                              ) -> None:
    Translation.objects.create(statement=signed_before_and_after, language="es",
                               title="El agua es vida", body="El agua no se vende.")
    record_revisions(signed_before_and_after, actor=None)
    Translation.objects.filter(language="es").update(body="El agua nunca se vende.")
    edit(signed_before_and_after)
    assert Revision.objects.filter(language="es", number=2).exists()
    html = anon.get("/en/signatories/water/").content.decode()
    assert "signed an earlier text" not in entry(html, "Late Bea")


def test_a_signature_without_a_recorded_revision_is_not_marked(anon, signed_before_and_after
                                                              ) -> None:
    Signature.objects.filter(name="Early Ana").update(revision=None)
    html = anon.get("/en/signatories/water/").content.decode()
    assert "earlier text" not in entry(html, "Early Ana")


def test_marking_costs_no_query_per_signer(signed_before_and_after,
                                           django_assert_max_num_queries) -> None:
    statement = signed_before_and_after
    for n in range(30):
        signer(statement, f"Person {n:02d}")
    Client().get("/en/signatories/water/")
    with django_assert_max_num_queries(8) as queries:
        html = Client().get("/en/signatories/water/").content.decode()
    assert "Person 29" in html
    assert sum("statements_revision" in q["sql"] for q in queries.captured_queries) <= 2


# --- the editors' side (the admin) ------------------------------------------------------------

def test_editors_switch_the_marks_on_in_the_after_signing_fieldset(
        editor_client, anon, signed_before_and_after) -> None:
    statement = signed_before_and_after
    Statement.objects.filter(pk=statement.pk).update(show_signed_revision=False)
    url = f"/admin/statements/statement/{statement.pk}/change/"
    html = editor_client.get(url).content.decode()
    fieldset = html[html.index("After signing"):]
    fieldset = fieldset[:fieldset.index("</fieldset>")]
    for name in ("show_signed_revision", "public_handover_list", "show_daily_chart"):
        assert f'name="{name}"' in fieldset
    # The history is one click away for editors too.
    assert 'href="/en/s/water/history/en/"' in html
    assert "earlier text" not in anon.get("/en/signatories/water/").content.decode()  # cached

    change(editor_client, statement, show_signed_revision="on")

    assert Statement.objects.get(pk=statement.pk).show_signed_revision
    html = anon.get("/en/signatories/water/").content.decode()
    assert "signed an earlier text: revision 1" in entry(html, "Early Ana")


def test_an_edit_in_the_admin_is_a_revision_the_history_compares(editor_client, anon) -> None:
    statement = make_statement("water", title="Water is life", body=BODY_1)
    record_revisions(statement, actor=None)
    assert "Updated on" not in anon.get("/en/s/water/").content.decode()
    change(editor_client, statement, body=BODY_2)
    assert "Updated on" in anon.get("/en/s/water/").content.decode()
    diff = section(anon.get("/en/s/water/history/en/").content.decode(), 'id="diff-heading"')
    assert "[Removed: </span>the<" in diff and "[Added: </span>every<" in diff


def test_a_draft_has_no_history_link_in_the_admin(editor_client) -> None:
    draft = make_statement("draft", status=Statement.Status.DRAFT)
    html = editor_client.get(f"/admin/statements/statement/{draft.pk}/change/").content.decode()
    assert "/s/draft/history/" not in html  # (the admin's own "History" is its log)
