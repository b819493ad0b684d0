"""Published updates on the statement page, in the reader's language, each with its anchor;
and in the statement's Atom feed (parsed by feedparser), per language."""

from __future__ import annotations

import feedparser
import pytest

from tests.updates.conftest import make_update
from updates import actions
from updates.models import UpdateTranslation

pytestmark = pytest.mark.django_db

SPANISH = ("Entregamos la carta", "La ministra la **recibió** el lunes.")


def test_published_updates_show_on_the_statement_page_with_an_anchor(anon, statement):
    first = make_update(statement, title="We met the minister", body="A *short* meeting.")
    second = make_update(statement, title="We delivered the letter")
    make_update(statement, title="A draft nobody sees", published=False)
    page = anon.get("/en/s/water-is-life/").content.decode()
    assert '<h2 id="updates-title">Updates</h2>' in page
    assert f'id="update-{first.pk}"' in page and f'id="update-{second.pk}"' in page
    assert "<em>short</em>" in page
    assert "A draft nobody sees" not in page
    # Newest first, after the statement's text and before the sign-on section.
    body_end = page.index("</article>\n")
    assert body_end < page.index("We delivered the letter") < page.index("We met the minister")
    assert page.index("We met the minister") < page.index('class="sign-form"')


def test_a_statement_without_updates_has_no_empty_section(anon, statement):
    make_update(statement, published=False)
    assert 'class="updates"' not in anon.get("/en/s/water-is-life/").content.decode()


def test_updates_are_shown_in_the_readers_language_or_else_in_their_own(anon, statement):
    make_update(statement, translations={"es": SPANISH})
    make_update(statement, title="Only in English")
    spanish = anon.get("/es/s/water-is-life/").content.decode()
    assert "Entregamos la carta" in spanish and "<strong>recibió</strong>" in spanish
    assert "Novedades" in spanish
    # The untranslated one is there in English, marked as English.
    assert '<h3 id="update-' in spanish and 'lang="en" dir="ltr">Only in English</h3>' in spanish
    english = anon.get("/en/s/water-is-life/").content.decode()
    assert "Entregamos la carta" not in english and "We delivered the letter" in english


def test_markdown_of_an_update_is_sanitised(anon, statement):
    make_update(statement, body='<script>alert(1)</script> [x](javascript:alert(1)) '
                                '<img src="https://tracker.example/p.gif">')
    page = anon.get("/en/s/water-is-life/").content.decode()
    assert "<script>alert" not in page and 'href="javascript:' not in page
    assert '<img src="https://tracker.example' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text


def test_a_cached_page_shows_an_update_once_it_is_published(anon, statement):
    update = make_update(statement, title="Fresh news", published=False)
    assert "Fresh news" not in anon.get("/en/s/water-is-life/").content.decode()
    assert "Fresh news" not in anon.get("/en/s/water-is-life/").content.decode()  # from cache
    actions.do_publish_update(update, actor="editor")
    assert "Fresh news" in anon.get("/en/s/water-is-life/").content.decode()
    # A correction in the admin (a plain save) reaches the page too.
    UpdateTranslation.objects.create(update=update, language="es", title="Noticias frescas",
                                     body="")
    assert "Noticias frescas" in anon.get("/es/s/water-is-life/").content.decode()
    update.refresh_from_db()
    update.title = "Fresh news, corrected"
    update.save()
    assert "Fresh news, corrected" in anon.get("/en/s/water-is-life/").content.decode()


def parse(anon, url: str) -> feedparser.FeedParserDict:
    response = anon.get(url)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def test_the_statements_feed_carries_its_updates_per_language(anon, statement):
    update = make_update(statement, translations={"es": SPANISH})
    make_update(statement, title="Draft", published=False)
    english = parse(anon, "/en/feeds/water-is-life/")
    [entry] = [e for e in english.entries if "update" in e.id]
    assert entry.title == "We delivered the letter"
    assert entry.link.endswith(f"/en/s/water-is-life/#update-{update.pk}")
    assert "<strong>received</strong>" in entry.summary
    assert not any(e.title == "Draft" for e in english.entries)
    spanish = parse(anon, "/es/feeds/water-is-life/")
    [entrada] = [e for e in spanish.entries if "update" in e.id]
    assert entrada.title == "Entregamos la carta"
    assert entrada.link.endswith(f"/es/s/water-is-life/#update-{update.pk}")
    assert entrada.id != entry.id  # one entry per language version
    # The same entry keeps its id however often the feed is rendered.
    assert parse(anon, "/en/feeds/water-is-life/").entries[0].id == english.entries[0].id


def test_the_feed_shows_an_update_once_it_is_published(anon, statement):
    update = make_update(statement, title="Soon", published=False)
    assert not [e for e in parse(anon, "/en/feeds/water-is-life/").entries if e.title == "Soon"]
    actions.do_publish_update(update, actor="editor")
    assert [e for e in parse(anon, "/en/feeds/water-is-life/").entries if e.title == "Soon"]
