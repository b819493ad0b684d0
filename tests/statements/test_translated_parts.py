"""The parts of a statement that editors write besides its text, in the reader's language:
category names, the featured image's caption and credit (and the credit of the text's
figures), and the editors' words in the confirmation mail."""

from __future__ import annotations

import re

import pytest

from pages import store as pagecache
from statements.models import Category, CategoryName, ImageText, Statement, StatementImage
from tests.conftest import make_statement
from tests.signatures.conftest import post_sign
from tests.statements.test_admin import add_statement, change, form_values

pytestmark = pytest.mark.django_db(transaction=True)


def page(client, url: str) -> str:
    pagecache.clear_local()
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- category names ---------------------------------------------------------------------------

def test_an_editor_names_a_category_in_spanish_and_spanish_pages_use_it(editor_client, anon):
    statement = make_statement("agua", category="Opinion")
    category = Category.objects.get(slug="opinion")
    url = f"/admin/statements/category/{category.pk}/change/"
    data = form_values(editor_client, url)
    data.update({"names-0-language": "es", "names-0-name": "Opinión", "_save": "Save"})
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CategoryName.objects.get(category=category).name == "Opinión"

    for url in ("/es/", "/es/category/opinion/", f"/es/s/{statement.slug}/",
                "/es/organisation/river-keepers/"):
        html = page(anon, url)
        assert "Opinión" in html, url
        assert re.search(r"\bOpinion\b", html) is None, url
    for url in ("/en/", "/en/category/opinion/", f"/en/s/{statement.slug}/"):
        assert "Opinión" not in page(anon, url), url


def test_a_category_without_a_spanish_name_keeps_its_name(anon):
    make_statement("agua", category="Opinion")
    assert "Opinion" in page(anon, "/es/")


def test_lists_read_category_names_without_a_query_per_statement(
        anon, django_assert_max_num_queries):
    for n in range(6):
        statement = make_statement(f"s{n}", category="Opinion")
        CategoryName.objects.get_or_create(category=statement.category, language="es",
                                           defaults={"name": "Opinión"})
    pagecache.clear_local()
    with django_assert_max_num_queries(12):
        assert anon.get("/es/").status_code == 200


# --- image captions and credits ---------------------------------------------------------------

@pytest.fixture
def illustrated(editor_client, db) -> Statement:
    """A published statement whose featured image has an English caption and credit, and
    whose Spanish translation shows the same image without a credit of its own."""
    statement = add_statement(editor_client, [], **{
        "translations-0-body": "Respiramos lo que queman.\n\n"
                               '![Niños camino a la escuela](school-run.png "El camino a la '
                               'escuela")',
    })
    image = StatementImage.objects.get(statement=statement)
    image.caption = "The school run"
    image.save()
    change(editor_client, statement, featured_image=str(image.pk), status="published")
    return statement


def test_an_editor_gives_the_caption_and_credit_in_spanish(editor_client, anon, illustrated):
    image = StatementImage.objects.get(statement=illustrated)
    url = f"/admin/statements/statementimage/{image.pk}/change/"
    change_page = page(editor_client, f"/admin/statements/statement/{illustrated.pk}/change/")
    assert url in change_page  # the way from the statement to the image's own page
    data = form_values(editor_client, url)
    data.update({"texts-0-language": "es", "texts-0-caption": "El camino a la escuela",
                 "texts-0-credit": "Foto de Ana Ñúñez", "_save": "Save"})
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ImageText.objects.get(image=image).credit == "Foto de Ana Ñúñez"

    spanish = page(anon, "/es/s/clean-air/")
    assert ('<figcaption lang="es" dir="ltr">El camino a la escuela <small class="credit" '
            'lang="es">Crédito: Foto de Ana Ñúñez</small></figcaption>') in spanish
    # The Spanish text's figure gives no credit: the Spanish one is used.
    assert "Crédito: Foto de Ana Ñúñez" in spanish.split('<div class="body">', 1)[1]
    english = page(anon, "/en/s/clean-air/")
    assert '<figcaption lang="en" dir="ltr">The school run' in english
    assert "Foto de" not in english


def test_without_a_spanish_caption_the_original_is_shown_marked_english(anon, illustrated):
    spanish = page(anon, "/es/s/clean-air/")
    assert ('<figcaption lang="en" dir="ltr">The school run <small class="credit" lang="es">'
            'Crédito: Ana Ñúñez</small></figcaption>') in spanish


# --- the confirmation mail's editor text ------------------------------------------------------

def test_the_confirmation_mail_carries_the_editors_words_in_the_signers_language(
        editor_client, anon, mailbox, tasks):
    add_statement(editor_client, [], status="published",
                  confirmation_email_text="Bring this mail to the march on Friday.",
                  **{"translations-0-confirmation_email_text":
                     "Trae este correo a la marcha del viernes."})
    statement = Statement.objects.get(slug="clean-air")
    assert post_sign(anon, statement, language="es", email="ana@example.org").status_code == 303
    assert post_sign(anon, statement, language="en", email="ben@example.org").status_code == 303
    tasks()
    spanish = mailbox.text(mailbox.to("ana@example.org")[-1])
    english = mailbox.text(mailbox.to("ben@example.org")[-1])
    assert "Trae este correo a la marcha del viernes." in spanish
    assert "Bring this mail" not in spanish
    assert "Bring this mail to the march on Friday." in english
    assert "Trae este correo" not in english


def test_without_words_in_the_signers_language_the_statements_own_are_sent(
        anon, mailbox, tasks):
    statement = make_statement("agua", confirmation_email_text="Bring this mail on Friday.")
    statement.translations.create(language="es", title="El agua es vida")
    assert post_sign(anon, statement, language="es").status_code == 303
    tasks()
    assert "Bring this mail on Friday." in mailbox.text(mailbox.to("ana@example.org")[-1])
