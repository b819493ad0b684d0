"""Issue 16: after confirming, the signer's page offers plain links to share the statement,
with the text its editors wrote for the language; a Mastodon server named by the visitor is
checked before we send them there."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.conf import settings

from reach.share import BadInstance, mastodon_host
from signatures.models import Signature
from statements.models import Translation
from tests.signatures.conftest import confirm

pytestmark = pytest.mark.django_db(transaction=True)

BASE = settings.BASE_URL
SHARE_HOSTS = ("https://wa.me/", "https://t.me/share/url", "https://bsky.app/intent/compose")


def share_links(html: str) -> dict[str, str]:
    """{href: rel} of every link in the share section."""
    section = html[html.index('class="share"'):]
    section = section[:section.index("</section>")]
    return {unescape(href): rel for href, rel in
            re.findall(r'<a href="([^"]+)" rel="([^"]+)"', section)}


def confirmed_page(anon, signed, **fields) -> str:
    signature, links = signed(**fields)
    response = confirm(anon, links["confirm"])
    assert response.status_code == 303
    return anon.get(response["Location"]).content.decode()


def test_after_confirming_the_page_offers_the_link_and_plain_share_links(anon, statement,
                                                                         signed):
    html = confirmed_page(anon, signed)
    url = f"{BASE}/en/s/water-is-life/"
    assert re.search(r'<input type="text" id="share-url" value="' + re.escape(url)
                     + '" readonly>', html)
    assert '<label for="share-url">' in html
    links = share_links(html)
    assert set(links.values()) == {"noopener noreferrer"}
    hrefs = list(links)
    assert any(href.startswith("mailto:?subject=Water%20is%20life&body=") for href in hrefs)
    for host in SHARE_HOSTS:
        assert any(href.startswith(host) for href in hrefs), host
    whatsapp = next(href for href in hrefs if href.startswith("https://wa.me/"))
    assert parse_qs(urlsplit(whatsapp).query)["text"] == [
        f"“Water is life” — read it and sign: {url}"]
    telegram = parse_qs(urlsplit(next(h for h in hrefs if h.startswith("https://t.me/"))).query)
    assert telegram["url"] == [url]
    # Links only: no script, no image or frame from another site.
    assert "<script" not in html and "<iframe" not in html
    assert not re.search(r'<img[^>]+src="https?://', html)
    # The Mastodon form asks for the visitor's server.
    assert 'name="instance"' in html and "/en/share/water-is-life/en/mastodon/" in html


def test_the_editors_share_text_is_offered_in_each_language(anon, statement, signed):
    statement.share_text = "Sign for the river!"
    statement.save()
    Translation.objects.create(statement=statement, language="es", title="El agua es vida",
                               body="Juntos.", share_text="¡Firma por el río!")
    signature, links = signed()
    manage = confirm(anon, links["confirm"])["Location"]
    english = share_links(anon.get(manage).content.decode())
    whatsapp = next(h for h in english if h.startswith("https://wa.me/"))
    assert unquote(whatsapp) == ("https://wa.me/?text=Sign for the river! "
                                 f"{BASE}/en/s/water-is-life/")
    spanish_page = anon.get(manage.replace("/en/", "/es/", 1)).content.decode()
    spanish = share_links(spanish_page)
    whatsapp = next(h for h in spanish if h.startswith("https://wa.me/"))
    assert unquote(whatsapp) == ("https://wa.me/?text=¡Firma por el río! "
                                 f"{BASE}/es/s/water-is-life/")
    assert "Comparte la declaración" in spanish_page


def test_without_a_share_text_the_default_is_the_translated_title_and_link(anon, statement,
                                                                          signed):
    Translation.objects.create(statement=statement, language="es", title="El agua es vida")
    signature, links = signed()
    manage = confirm(anon, links["confirm"])["Location"]
    spanish = share_links(anon.get(manage.replace("/en/", "/es/", 1)).content.decode())
    bluesky = next(h for h in spanish if h.startswith("https://bsky.app/"))
    assert parse_qs(urlsplit(bluesky).query)["text"] == [
        f"«El agua es vida»: léela y firma: {BASE}/es/s/water-is-life/"]


def test_no_share_section_before_confirming(anon, statement, signed):
    signature, links = signed()
    html = anon.get(links["manage"]).content.decode()
    assert 'class="share"' not in html
    assert signature.status == Signature.Status.UNCONFIRMED


def test_a_count_only_signer_is_not_named_by_the_share_links(anon, statement, signed):
    html = confirmed_page(anon, signed, name="Rosa Hidden", show_name=None)
    section = html[html.index('class="share"'):]
    section = section[:section.index("</section>")]
    assert "Rosa" not in section and "ana@example.org" not in section


# --- Mastodon ---------------------------------------------------------------------------------

def test_a_named_mastodon_server_gets_the_share_text(anon, statement):
    response = anon.get("/en/share/water-is-life/en/mastodon/", {"instance": " Mastodon.Social "})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.scheme, location.netloc, location.path) == (
        "https", "mastodon.social", "/share")
    assert parse_qs(location.query)["text"] == [
        f"“Water is life” — read it and sign: {BASE}/en/s/water-is-life/"]
    assert "no-store" in response["Cache-Control"]


def test_an_international_server_name_is_sent_in_its_ascii_form(anon, statement):
    response = anon.get("/en/share/water-is-life/en/mastodon/", {"instance": "bücher.example"})
    assert response.status_code == 302
    assert urlsplit(response["Location"]).netloc == "xn--bcher-kva.example"


@pytest.mark.parametrize("value", [
    "", "   ", "https://mastodon.social", "mastodon.social/share", "user@mastodon.social",
    "@ana@mastodon.social", "mastodon.social:8443", "evil.example#.mastodon.social",
    "evil.example?x=mastodon.social", "evil.example\\@mastodon.social", "localhost",
    "127.0.0.1", "[::1]", "10.0.0.1", "mastodon..social", "-bad.example", "bad-.example",
    "under_score.example", "a" * 64 + ".example", "x" * 400, "mastodon.social\x00",
    "masto don.social", "%2F%2Fevil.example",
])
def test_anything_but_a_bare_domain_is_refused_with_the_reason(anon, statement, value):
    response = anon.get("/en/share/water-is-life/en/mastodon/", {"instance": value})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="errorlist" id="share-instance-error"' in html
    assert "Location" not in response
    assert "no-store" in response["Cache-Control"]


def test_the_refusal_says_why_and_keeps_the_input(anon, statement):
    response = anon.get("/en/share/water-is-life/en/mastodon/",
                        {"instance": "https://mastodon.social/@ana"})
    html = response.content.decode()
    assert "without https://, a path, a port or your @name" in html
    assert 'value="https://mastodon.social/@ana"' in html


def test_mastodon_for_an_unknown_or_draft_statement_is_not_found(anon, statement):
    assert anon.get("/en/share/nope/en/mastodon/", {"instance": "a.example"}).status_code == 404
    assert anon.get("/en/share/water-is-life/fr/mastodon/",
                    {"instance": "a.example"}).status_code == 404
    statement.status = statement.Status.DRAFT
    statement.save()
    assert anon.get("/en/share/water-is-life/en/mastodon/",
                    {"instance": "a.example"}).status_code == 404


def test_mastodon_host_is_the_ascii_domain():
    assert mastodon_host("mastodon.social.") == "mastodon.social"
    assert mastodon_host("EXAMPLE.org") == "example.org"
    with pytest.raises(BadInstance):
        mastodon_host("1.2.3.4")


def test_only_pages_with_the_mastodon_form_let_a_form_lead_to_another_site(anon, statement,
                                                                           signed):
    signature, links = signed()
    manage = anon.get(confirm(anon, links["confirm"])["Location"])
    assert "form-action 'self' https:" in manage["Content-Security-Policy"]
    page = anon.get("/en/s/water-is-life/")
    assert "form-action 'self';" in page["Content-Security-Policy"] + ";"
    assert "https:" not in page["Content-Security-Policy"].split("form-action")[1].split(";")[0]
