"""The public pages of statements: lists, the statement page, languages, drafts, errors."""

from __future__ import annotations

import pytest
from django.test import Client

from signatures.actions import do_record_organisation
from statements.models import Organisation, Statement, Translation
from tests.conftest import make_statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def translated(db) -> Statement:
    statement = make_statement("water", title="Water is life", body="Water is not for sale.",
                               issuers=("River Keepers", "Ríos Vivos"))
    Translation.objects.create(statement=statement, language="es", title="El agua es vida",
                               body="El agua no se vende.")
    Translation.objects.create(statement=statement, language="ar", kind="community",
                               title="الماء حياة", body="الماء ليس للبيع.")
    return statement


def test_home_lists_published_statements_newest_first(anon):
    older = make_statement("older", title="Older statement")
    newer = make_statement("newer", title="Newer statement")
    Statement.objects.filter(pk=older.pk).update(published_at=newer.published_at.replace(year=2020))
    make_statement("secret-draft", title="Secret draft", status=Statement.Status.DRAFT)
    html = anon.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.index("Newer statement") < html.index("Older statement")
    assert "Secret draft" not in html
    assert 'href="/en/s/newer/"' in html


def test_draft_is_404_for_the_public(anon):
    make_statement("draft", status=Statement.Status.DRAFT)
    assert anon.get("/en/s/draft/").status_code == 404


# --- languages ------------------------------------------------------------------------------

def test_root_speaks_the_browsers_language(anon, statement):
    spanish = anon.get("/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5")
    assert spanish.status_code == 200
    html = spanish.content.decode()
    assert '<html lang="es"' in html and "<h1>Declaraciones</h1>" in html
    assert "Saltar al contenido" in html
    assert 'href="/es/s/water-is-life/"' in html

    english = anon.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="en"' in english and "<h1>Statements</h1>" in english

    unknown = anon.get("/", HTTP_ACCEPT_LANGUAGE="de-DE").content.decode()
    assert '<html lang="en"' in unknown


def test_the_url_prefix_wins_over_the_browser(anon, translated):
    html = anon.get("/es/s/water/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="es"' in html
    assert "El agua es vida" in html and "El agua no se vende." in html
    assert "Emitida por" in html and "Leer en:" in html
    html = anon.get("/en/s/water/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="en"' in html and "Water is not for sale." in html


def test_interface_is_spanish_on_every_public_page(anon, translated):
    for url in ("/es/", "/es/s/water/", "/es/category/opinion/", "/es/organisation/river-keepers/"):
        html = anon.get(url).content.decode()
        assert '<html lang="es"' in html, url
        assert "Saltar al contenido" in html and "Skip to content" not in html, url
        assert "Idioma de la interfaz" in html, url


def test_hreflang_alternates_name_every_version(anon, translated, settings):
    html = anon.get("/en/s/water/").content.decode()
    base = settings.BASE_URL
    assert f'<link rel="alternate" hreflang="en" href="{base}/en/s/water/">' in html
    assert f'<link rel="alternate" hreflang="es" href="{base}/es/s/water/">' in html
    assert f'<link rel="alternate" hreflang="ar" href="{base}/en/s/water/ar/">' in html


def test_language_switchers_link_to_each_version(anon, translated):
    html = anon.get("/en/s/water/").content.decode()
    # The interface switcher keeps the visitor on the same statement.
    assert '<a href="/es/s/water/" lang="es" hreflang="es">español</a>' in html
    # The statement's own versions, each named in its own language.
    versions = html[html.index('class="versions"'):]
    assert '<strong aria-current="page" lang="en">English</strong>' in versions
    assert 'hreflang="ar" lang="ar">العربيّة</a> <small>(community translation)</small>' in versions
    for link in ('href="/es/s/water/"', 'href="/en/s/water/ar/"'):
        assert link in versions
        assert anon.get(link.split('"')[1]).status_code == 200


def test_right_to_left_version_has_lang_and_dir(anon, translated):
    html = anon.get("/en/s/water/ar/").content.decode()
    assert '<html lang="en" dir="ltr">' in html  # the interface stays English
    assert '<article class="statement" lang="ar" dir="rtl"' in html
    assert '<h1 id="statement-title">الماء حياة</h1>' in html
    assert "This is a community translation. The original text is authoritative." in html
    # The interface parts inside the article stay marked as English.
    assert '<p class="meta" lang="en" dir="ltr">' in html


def test_statement_written_in_arabic_is_rtl_on_its_own_page(anon):
    make_statement("nida", title="نداء", body="نص البيان.", language="ar")
    html = anon.get("/en/s/nida/").content.decode()
    assert 'lang="ar" dir="rtl"' in html
    card = anon.get("/en/").content.decode()
    assert 'lang="ar" dir="rtl">نداء</a>' in card


def test_a_version_that_does_not_exist_is_404(anon, translated):
    assert anon.get("/en/s/water/fr/").status_code == 404
    assert anon.get("/en/s/water/xx-nonsense/").status_code == 404


# --- the statement page ---------------------------------------------------------------------

def test_statement_page_shows_what_design_describes(anon, translated):
    organisation = Organisation.objects.create(name="Coordinadora Ñuble", slug="coordinadora")
    do_record_organisation(translated, "Coordinadora Ñuble", actor=None)
    html = anon.get("/en/s/water/").content.decode()
    assert html.count("<h1") == 1
    assert 'href="#content"' in html and '<main id="content"' in html
    assert "Issued by" in html and html.index("River Keepers") < html.index("Ríos Vivos")
    assert '<a href="/en/category/opinion/">Opinion</a>' in html
    assert "<time datetime=" in html
    signed = html[html.index("Signed on:"):]
    assert f'href="{organisation.get_absolute_url()}"' in signed and "Coordinadora Ñuble" in signed


def test_public_pages_make_no_third_party_requests(anon, translated):
    for url in ("/en/", "/en/s/water/", "/en/s/water/ar/"):
        html = anon.get(url).content.decode()
        for attribute in ('src="http', "src='http", 'href="//', "@import", "url(http"):
            assert attribute not in html, (url, attribute)
        stylesheets = [part for part in html.split("<link")[1:] if 'rel="stylesheet"' in part]
        assert all('href="/static/' in part for part in stylesheets)


# --- drafts ---------------------------------------------------------------------------------

def test_drafts_are_invisible_to_the_public_everywhere(anon, translated):
    draft = make_statement("hidden", title="Hidden plan", status=Statement.Status.DRAFT,
                           issuers=("River Keepers",))
    Translation.objects.create(statement=draft, language="es", title="Plan oculto")
    for url in ("/en/s/hidden/", "/es/s/hidden/", "/en/s/hidden/es/"):
        response = anon.get(url)
        assert response.status_code == 404, url
        assert b"Hidden plan" not in response.content and b"Plan oculto" not in response.content
    for url in ("/en/", "/es/", "/en/category/opinion/", "/en/organisation/river-keepers/"):
        assert b"Hidden" not in anon.get(url).content, url


def test_a_logged_in_user_who_is_not_staff_cannot_preview(db):
    from django.contrib.auth.models import User

    make_statement("hidden", title="Hidden plan", status=Statement.Status.DRAFT)
    client = Client()
    client.force_login(User.objects.create_user("signer", password="x" * 12))
    assert client.get("/en/s/hidden/").status_code == 404


def test_published_pages_are_cacheable_but_previews_are_not(anon, editor_client, statement):
    make_statement("draft", status=Statement.Status.DRAFT)
    public = anon.get("/en/s/water-is-life/")
    assert "private" not in public.get("Cache-Control", "")
    assert "sessionid" not in public.cookies and "csrftoken" not in public.cookies
    preview = editor_client.get("/en/s/draft/")
    assert preview.status_code == 200
    assert "private" in preview["Cache-Control"]


# --- errors ---------------------------------------------------------------------------------

def test_404_page_is_helpful_and_in_the_visitors_language(anon):
    response = anon.get("/en/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html and 'href="#content"' in html
    assert "Go to the list of statements" in html
    spanish = anon.get("/es/s/no-existe/").content.decode()
    assert "<h1>Página no encontrada</h1>" in spanish and '<html lang="es"' in spanish


def test_500_page_is_plain_and_leaks_nothing(settings):
    settings.ROOT_URLCONF = "tests.statements.urls_raising"
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/explode/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Something went wrong</h1>" in html
    assert 'lang="es"' in html  # one page for everyone, with the Spanish text marked
    for secret in ("database on fire", "user@example.org", "203.0.113.9", "Traceback"):
        assert secret not in html


def test_wrong_method_on_a_page_is_a_clear_405(anon, statement):
    response = anon.post("/en/s/water-is-life/", {"x": "y"})
    assert response.status_code in (403, 405)  # refused by CSRF or by the view, never a 500


# --- category and organisation pages --------------------------------------------------------

def test_category_page_lists_its_published_statements(anon):
    make_statement("a", title="Opinion one", category="Opinion")
    make_statement("b", title="News one", category="News")
    make_statement("c", title="Opinion draft", category="Opinion", status=Statement.Status.DRAFT)
    html = anon.get("/en/category/opinion/").content.decode()
    assert "<h1>Opinion</h1>" in html and "Opinion one" in html
    assert "News one" not in html and "Opinion draft" not in html
    assert anon.get("/en/category/nothing-here/").status_code == 404
    home = anon.get("/en/").content.decode()
    assert 'href="/en/category/news/"' in home and 'href="/en/category/opinion/"' in home


def test_organisation_page_lists_what_it_issued_and_signed(anon):
    make_statement("ours", title="Our own statement", issuers=("Ríos Vivos",))
    other = make_statement("theirs", title="A statement we signed", issuers=("Someone Else",))
    make_statement("secret", title="Unpublished", issuers=("Ríos Vivos",),
                   status=Statement.Status.DRAFT)
    do_record_organisation(other, "Ríos Vivos", actor=None)

    organisation = Organisation.objects.get(name="Ríos Vivos")
    html = anon.get(organisation.get_absolute_url()).content.decode()
    assert "<h1>Ríos Vivos</h1>" in html
    issued = html[html.index("Statements issued"):html.index("Statements signed")]
    signed = html[html.index("Statements signed"):]
    assert "Our own statement" in issued and "A statement we signed" not in issued
    assert "A statement we signed" in signed
    assert "Unpublished" not in html
    assert anon.get("/en/organisation/nobody/").status_code == 404


def test_lists_show_each_statement_in_the_visitors_language(anon, translated):
    spanish = anon.get("/es/").content.decode()
    assert '<a href="/es/s/water/" lang="es" dir="ltr">El agua es vida</a>' in spanish
    english = anon.get("/en/").content.decode()
    assert '<a href="/en/s/water/" lang="en" dir="ltr">Water is life</a>' in english
    category = anon.get("/es/category/opinion/").content.decode()
    assert "El agua es vida" in category


def test_root_varies_on_the_browsers_language(anon, statement):
    response = anon.get("/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Accept-Language" in response.get("Vary", "")
    assert response.get("Content-Language") == "es"


def test_home_page_queries_do_not_grow_with_the_number_of_statements(anon, django_assert_max_num_queries):
    for index in range(12):
        make_statement(f"s{index}", title=f"Statement {index}", issuers=("A", "B"))
    with django_assert_max_num_queries(8):
        assert anon.get("/en/").status_code == 200
