"""Issue 16: each statement's page carries OpenGraph and Twitter-card tags, and each language
version has a share image (1200 × 630, under 150 KB) with its title, issuers and count, kept
until the statement changes or the count moves by a visible step."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from django.conf import settings
from PIL import Image

from reach import sharecard
from signatures.models import Signature, SignatureCounter
from statements.models import Organisation, Translation
from statements.pages import statement_changed
from tests.conftest import make_statement

pytestmark = pytest.mark.django_db(transaction=True)

ARABIC_TITLE = "بيان مشترك: أوقفوا إخلاء سكان الحي فوراً — منظمة Amnesty International تدعم"
QUECHUA_TITLE = ("Ñuqanchikpa allpanchikta amachasun: ch'aki mayu, q'ara pampa, "
                 "k'ita wasikunapaq — jiwasanakax uñjapxañaniwa ä ï ü ʼ")


def set_count(statement, organisations: int = 0, individuals: int = 0) -> None:
    """The statement's counters as the sign-on actions keep them."""
    SignatureCounter.objects.update_or_create(
        statement=statement, defaults={"organisations": organisations,
                                       "individuals": individuals})
    statement_changed(statement.pk)


def image(anon, path: str, **headers):
    response = anon.get(path, headers=headers)
    return response


def meta(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', html):
        found.setdefault(key, []).append(unescape(value))
    return found


@pytest.mark.parametrize(("title", "language"), [
    ("Water is life: a joint statement of the river communities against the new dam",
     "en"), (ARABIC_TITLE, "ar"), (QUECHUA_TITLE, "qu")])
def test_the_share_image_is_1200_by_630_and_small(anon, title, language):
    make_statement("card", title=title, language=language,
                   issuers=("River Keepers", "منظمة العفو الدولية", "Aymara Markanaka"))
    response = anon.get(f"/en/share/card/{language}.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert len(response.content) <= 150 * 1024
    with Image.open(io.BytesIO(response.content)) as picture:
        assert picture.format == "PNG"
        assert picture.size == (1200, 630)


def test_each_language_version_has_its_own_image(anon, statement):
    Translation.objects.create(statement=statement, language="ar", title=ARABIC_TITLE)
    english = anon.get("/en/share/water-is-life/en.png")
    arabic = anon.get("/en/share/water-is-life/ar.png")
    assert english.status_code == arabic.status_code == 200
    assert english.content != arabic.content
    assert anon.get("/en/share/water-is-life/fr.png").status_code == 404
    assert anon.get("/en/share/nothing-here/en.png").status_code == 404


def test_a_visible_step_of_the_count_changes_the_image_a_single_signature_does_not(anon,
                                                                                   statement):
    set_count(statement, organisations=4, individuals=1230)
    first = anon.get("/en/share/water-is-life/en.png")
    set_count(statement, organisations=4, individuals=1231)
    one_more = anon.get("/en/share/water-is-life/en.png")
    assert one_more.content == first.content
    assert one_more["ETag"] == first["ETag"]
    set_count(statement, organisations=4, individuals=1400)
    step = anon.get("/en/share/water-is-life/en.png")
    assert step.content != first.content
    assert step["ETag"] != first["ETag"]


def test_the_count_is_rounded_to_a_visible_step():
    assert [sharecard.visible_count(n) for n in (0, 1, 9, 10, 19, 99, 100, 119, 1234, 98765)] \
        == [0, 1, 9, 10, 10, 90, 100, 110, 1200, 98000]


def test_a_changed_statement_gets_a_new_image(anon, statement):
    first = anon.get("/en/share/water-is-life/en.png")
    statement.title = "Water is life, and so is the river"
    statement.save()
    changed = anon.get("/en/share/water-is-life/en.png")
    assert changed["ETag"] != first["ETag"]
    assert changed.content != first.content
    Organisation.objects.filter(name="River Keepers").update(name="River Guardians")
    Organisation.objects.get(name="River Guardians").save()  # a rename marks everything changed
    renamed = anon.get("/en/share/water-is-life/en.png")
    assert renamed.content != changed.content


def test_the_image_is_drawn_once_and_revalidated_with_its_etag(anon, statement, monkeypatch):
    drawn = []
    render = sharecard.render
    monkeypatch.setattr(sharecard, "render", lambda card: drawn.append(card) or render(card))
    first = anon.get("/en/share/water-is-life/en.png")
    again = anon.get("/en/share/water-is-life/en.png")
    assert len(drawn) == 1 and again.content == first.content
    assert first["Cache-Control"] == "public, max-age=3600"
    not_modified = anon.get("/en/share/water-is-life/en.png",
                            headers={"If-None-Match": first["ETag"]})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert len(drawn) == 1


def test_drafts_have_no_image_and_no_tags(anon, editor_client):
    make_statement("draft-one", status="draft")
    assert anon.get("/en/share/draft-one/en.png").status_code == 404
    html = editor_client.get("/en/s/draft-one/").content.decode()
    assert "og:image" not in html


def test_statement_page_carries_opengraph_and_twitter_tags(anon, statement):
    statement.summary = "Communities along the river ask for the dam to be stopped."
    statement.save()
    Translation.objects.create(statement=statement, language="es", title="El agua es vida")
    Translation.objects.create(statement=statement, language="pt-br", title="Água é vida")
    tags = meta(anon.get("/en/s/water-is-life/").content.decode())
    base = settings.BASE_URL
    assert tags["og:type"] == ["article"]
    assert tags["og:title"] == ["Water is life"]
    assert tags["og:description"] == [statement.summary]
    assert tags["og:url"] == [f"{base}/en/s/water-is-life/"]
    assert tags["og:site_name"] == ["undersigned"]
    assert tags["og:image"] == [f"{base}/en/share/water-is-life/en.png"]
    assert (tags["og:image:width"], tags["og:image:height"]) == (["1200"], ["630"])
    assert "Water is life" in tags["og:image:alt"][0]
    assert tags["og:locale"] == ["en"]
    assert sorted(tags["og:locale:alternate"]) == ["es", "pt_BR"]
    assert tags["twitter:card"] == ["summary_large_image"]
    assert tags["twitter:image"] == tags["og:image"]

    spanish = meta(anon.get("/es/s/water-is-life/").content.decode())
    assert spanish["og:title"] == ["El agua es vida"]
    assert spanish["og:locale"] == ["es"]
    assert spanish["og:image"] == [f"{base}/es/share/water-is-life/es.png"]
    version = meta(anon.get("/en/s/water-is-life/pt-br/").content.decode())
    assert version["og:image"] == [f"{base}/en/share/water-is-life/pt-br.png"]
    assert version["og:locale"] == ["pt_BR"]


def test_tags_and_image_never_name_a_signer(anon, statement, monkeypatch):
    Signature.objects.create(statement=statement, kind="individual", name="Rosa Hidden",
                             email="rosa@example.org", show_name=False, status="visible")
    Signature.objects.create(statement=statement, kind="organisation", name="Org Person",
                             organisation_name="Secret Union", email="o@example.org",
                             show_name=False, status="visible")
    set_count(statement, organisations=1, individuals=1)
    cards = []
    render = sharecard.render
    monkeypatch.setattr(sharecard, "render", lambda card: cards.append(card) or render(card))
    head = anon.get("/en/s/water-is-life/").content.decode().split("</head>")[0]
    anon.get("/en/share/water-is-life/en.png")
    shown = head + repr(cards)
    for secret in ("Rosa", "Secret Union", "Org Person", "@example.org"):
        assert secret not in shown
    assert cards[0].count == 2


def test_arabic_letters_are_joined_as_arabic_is_written():
    """Without shaping (Pillow without libraqm and FriBiDi) each letter would be drawn alone,
    in its isolated form: as wide as the letters drawn one by one."""
    style = sharecard.Style(60, bold=True)
    word = "بيان"
    assert style.width(word) < 0.9 * sum(style.width(letter) for letter in word)


def test_scripts_are_cut_into_runs_with_neutrals_going_the_paragraphs_way():
    runs = sharecard.runs_of("Issued by منظمة العفو, Human Rights Watch", rtl=False)
    assert [(run.text, run.arabic) for run in runs] == [
        ("Issued by ", False), ("منظمة العفو", True), (", Human Rights Watch", False)]
    runs = sharecard.runs_of("بيان Amnesty International تدعم", rtl=True)
    assert [(run.text, run.arabic) for run in runs] == [
        ("بيان ", True), ("Amnesty International", False), (" تدعم", True)]
