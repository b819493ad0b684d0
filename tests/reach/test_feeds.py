"""Atom feeds: the site's statements in the reader's language, each statement's news (its
text changes and its milestones), found from the pages, never naming a signer."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import feedparser
import pytest
from django.test import Client

from reach.feeds import milestones
from signatures.models import Signature
from statements.actions import do_publish, do_save_statement
from statements.models import Statement
from tests.conftest import make_statement

from .conftest import add_signatures, translate

pytestmark = pytest.mark.django_db

BASE = "http://127.0.0.1:8000"


def parse(client: Client, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_site_feed_lists_published_statements_in_the_readers_language(anon) -> None:
    both = make_statement("water", title="Water is life", summary="Stop the sell-off.")
    translate(both, "es", "El agua es vida", "Paren la venta.")
    make_statement("english-only", title="Only in English")
    make_statement("secret", title="A draft", status=Statement.Status.DRAFT)

    spanish = parse(anon, "/es/feeds/")
    assert spanish.feed.language == "es"
    entries = {entry.link: entry for entry in spanish.entries}
    assert set(entries) == {f"{BASE}/es/s/water/", f"{BASE}/es/s/english-only/"}
    water = entries[f"{BASE}/es/s/water/"]
    assert water.title == "El agua es vida"
    assert water.summary == "Paren la venta."
    assert water.title_detail.language == "es"
    assert water.author == "River Keepers"
    assert water.id.startswith("tag:127.0.0.1,") and water.id.endswith(f"statement/{both.pk}/es")
    assert water.updated_parsed and water.published_parsed
    # A statement without a Spanish text is listed in its own language, on the Spanish page.
    assert entries[f"{BASE}/es/s/english-only/"].title_detail.language == "en"

    english = parse(anon, "/en/feeds/")
    assert [entry.title for entry in english.entries] == ["Only in English", "Water is life"]
    assert english.entries[1].link == f"{BASE}/en/s/water/"
    assert english.feed.link == f"{BASE}/en/"
    assert english.feed.id == f"{BASE}/en/feeds/"
    assert english.feed.author == "undersigned"


def test_statement_titles_are_escaped_once(anon) -> None:
    make_statement("tags", title='Fish & <chips> "now"', summary="<b>not bold</b> & more")
    entry = parse(anon, "/en/feeds/").entries[0]
    assert entry.title == 'Fish & <chips> "now"'
    assert entry.summary == "&lt;b&gt;not bold&lt;/b&gt; &amp; more"  # text, shown as text


def test_statement_news_are_its_revisions_and_milestones(anon, admin_user) -> None:
    statement = make_statement("water", title="Water is life", status=Statement.Status.DRAFT,
                               signature_goal=12)
    do_publish(statement, actor=admin_user)
    statement.title = "Water is life, still"
    do_save_statement(statement, actor=admin_user, created=False)
    add_signatures(statement, 8)
    add_signatures(statement, 4, start=8, show_name=False, name="Hidden Person")

    feed = parse(anon, "/en/feeds/water/")
    assert feed.feed.title == "News of “Water is life, still”"
    assert feed.feed.link == f"{BASE}/en/s/water/"
    # Newest first: the signatures were confirmed yesterday, the text changed today.
    assert [entry.title for entry in feed.entries] == [
        "Text changed (revision 2): Water is life, still", "Published: Water is life",
        "Goal reached: 12 signatures", "10 signatures"]
    assert len({entry.id for entry in feed.entries}) == 4
    # A changed text links to what changed; everything else to the statement's page.
    assert feed.entries[0].link == f"{BASE}/en/s/water/history/en/?to=2"
    assert all(entry.link == f"{BASE}/en/s/water/" for entry in feed.entries[1:])
    assert anon.get("/en/s/water/history/en/?to=2").status_code == 200
    ten = next(entry for entry in feed.entries if entry.title == "10 signatures")
    tenth = Signature.objects.get(email="signer9@example.org").confirmed_at
    assert ten.updated_parsed[:5] == tenth.utctimetuple()[:5]
    # Only public facts: no signer's name, no address, no editor.
    raw = anon.get("/en/feeds/water/").content.decode()
    for private in ("Signer", "Hidden Person", "@example.org", admin_user.username):
        assert private not in raw


def test_statement_news_follow_the_readers_language(anon, admin_user) -> None:
    statement = make_statement("water", title="Water is life", status=Statement.Status.DRAFT)
    translate(statement, "es", "El agua es vida")
    do_publish(statement, actor=admin_user)
    add_signatures(statement, 10)
    spanish = parse(anon, "/es/feeds/water/")
    assert spanish.feed.title == "Noticias de «El agua es vida»"
    titles = {entry.title: entry for entry in spanish.entries}
    assert set(titles) == {"Publicada: El agua es vida", "10 firmas"}
    assert titles["Publicada: El agua es vida"].title_detail.language == "es"
    assert all(entry.link == f"{BASE}/es/s/water/" for entry in spanish.entries)


def test_feeds_of_drafts_and_unknown_statements_do_not_exist(anon, admin_user) -> None:
    make_statement("secret", status=Statement.Status.DRAFT)
    assert anon.get("/en/feeds/secret/").status_code == 404
    assert anon.get("/en/feeds/no-such-statement/").status_code == 404
    assert anon.post("/en/feeds/").status_code == 405
    editor = Client()
    editor.force_login(admin_user)
    assert editor.get("/en/feeds/secret/").status_code == 404  # previews are for pages only


def test_milestones_are_round_numbers_and_the_goal() -> None:
    assert milestones(9, None) == []
    assert milestones(10, None) == [10]
    assert milestones(1234, 300) == [10, 50, 100, 300, 500, 1000]
    assert milestones(120, 500) == [10, 50, 100]


class AlternateLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.feeds: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "alternate" and \
                values.get("type") == "application/atom+xml":
            self.feeds.append(values["href"] or "")


def feed_links(client: Client, url: str) -> list[str]:
    parser = AlternateLinks()
    parser.feed(client.get(url).content.decode())
    return parser.feeds


def test_pages_announce_their_feeds(anon) -> None:
    make_statement("water")
    assert feed_links(anon, "/es/s/water/") == ["/es/feeds/water/", "/es/feeds/"]
    assert feed_links(anon, "/en/") == ["/en/feeds/"]
    for url in feed_links(anon, "/en/s/water/"):
        assert parse(anon, url).feed.title


def test_a_draft_preview_announces_no_feed(admin_user) -> None:
    make_statement("secret", status=Statement.Status.DRAFT)
    editor = Client()
    editor.force_login(admin_user)
    page = editor.get("/en/s/secret/").content.decode()
    assert not re.search(r"feeds/secret/", page)
