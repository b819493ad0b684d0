"""Embeds for partner sites: a frameable page (the only one), an SVG badge, a JSON count; all
from the counters, all cached and made stale with the statement's page."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
from django.contrib.auth.models import User
from django.test import Client

from core import site
from signatures.models import Signature
from statements.models import Statement
from tests.conftest import make_statement
from undersigned.config import frame_ancestors

from .conftest import add_signatures, translate

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
EMBEDS = ("/embed/water/", "/en/embed/water/", "/es/embed/water/")
NOT_FRAMEABLE = ("/en/", "/es/s/water/", "/en/s/water/", "/en/signatories/water/",
                 "/en/sign/water/", "/en/privacy/", "/en/feeds/", "/en/feeds/water/",
                 "/sitemap.xml", "/robots.txt", "/embed/water/badge.svg",
                 "/es/embed/water/badge.svg", "/embed/water/count.json",
                 "/en/embed/nothing/", "/admin/login/", "/healthz")


@pytest.fixture
def water() -> Statement:
    statement = make_statement("water", title="Water is life", signature_goal=100)
    translate(statement, "es", "El agua es vida")
    return statement


def csp(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_embed_shows_count_goal_and_a_sign_button_that_leaves_the_frame(anon, water) -> None:
    add_signatures(water, 3)
    add_signatures(water, 2, start=3, kind=Signature.Kind.ORGANISATION,
                   organisation_name="Hidden Union", show_name=False)
    page = anon.get("/es/embed/water/").content.decode()
    assert "El agua es vida" in page
    assert 'lang="es"' in page
    assert "5 de una meta de 100 firmas" in page
    assert '<progress id="embed-goal" max="100" value="5">' in page
    assert 'href="/es/s/water/#sign-heading" target="_blank"' in page
    assert "<script" not in page and "<form" not in page
    for private in ("Signer", "Hidden Union", "@example.org"):
        assert private not in page
    # Without a prefix: the statement's own language.
    assert "Water is life" in anon.get("/embed/water/").content.decode()


def test_a_closed_statement_embed_offers_reading_not_signing(anon) -> None:
    make_statement("done", status=Statement.Status.CLOSED)
    page = anon.get("/en/embed/done/").content.decode()
    assert "Signing is closed." in page
    assert "#sign-heading" not in page


def test_only_embeds_may_be_framed_by_other_sites(anon, water) -> None:
    for url in EMBEDS:
        response = anon.get(url)
        assert response.status_code == 200, url
        assert "X-Frame-Options" not in response, url
        assert csp(response)["frame-ancestors"] == ["*"], url
        # The rest of the policy is the site's.
        assert csp(response)["script-src"] == ["'self'"]
    for url in NOT_FRAMEABLE:
        response = anon.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert csp(response)["frame-ancestors"] == ["'none'"], url


def test_the_sites_allowed_to_frame_embeds_can_be_listed(anon, water, settings) -> None:
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "EMBED_FRAME_ANCESTORS": (
        "https://partner.example", "https://*.ally.example")}
    response = anon.get("/en/embed/water/")
    assert csp(response)["frame-ancestors"] == ["https://partner.example",
                                                "https://*.ally.example"]
    assert csp(anon.get("/en/s/water/"))["frame-ancestors"] == ["'none'"]


def test_the_frame_allow_list_refuses_what_would_break_the_policy() -> None:
    assert frame_ancestors("") == ("*",)
    assert frame_ancestors("https://a.example, https://b.example:8443") == (
        "https://a.example", "https://b.example:8443")
    for bad in ("https://a.example; script-src *", "'unsafe-inline'", "https://a.example/\""):
        with pytest.raises(ValueError, match="EMBED_FRAME_ANCESTORS"):
            frame_ancestors(bad)


def test_badge_is_small_valid_svg_with_an_accessible_title(anon) -> None:
    title = '<script>alert(1)</script> & "quotes" ' + "&" * 300
    statement = make_statement("risky", title=title[:300])
    add_signatures(statement, 1234, show_name=False)
    response = anon.get("/en/embed/risky/badge.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "Access-Control-Allow-Origin" not in response
    assert len(response.content) <= 2048
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own answer)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    label = root.find(f"{SVG}title")
    assert label is not None and root.get("aria-labelledby") == label.get("id")
    assert label.text and label.text.startswith('<script>alert(1)</script> & "quotes"')
    assert label.text.endswith(": 1,234 signatures")
    assert root.find(f"{SVG}text").text == "1,234 signatures"
    assert b"<script" not in response.content
    spanish = ElementTree.fromstring(  # noqa: S314 (our own answer)
        anon.get("/es/embed/risky/badge.svg").content)
    assert spanish.find(f"{SVG}text").text == "1\xa0234 firmas"  # Spanish digit grouping


def test_count_json_for_partner_scripts(anon, water) -> None:
    add_signatures(water, 2)
    add_signatures(water, 1, start=2, show_name=False)
    add_signatures(water, 1, start=3, kind=Signature.Kind.ORGANISATION,
                   organisation_name="Quiet Union", show_name=False)
    response = anon.get("/embed/water/count.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert json.loads(response.content) == {"statement": "water", "total": 4,
                                            "organisations": 1, "individuals": 3,
                                            "goal": 100, "closed": False}
    closed = make_statement("done", status=Statement.Status.CLOSED)
    assert json.loads(anon.get("/embed/done/count.json").content) == {
        "statement": closed.slug, "total": 0, "organisations": 0, "individuals": 0,
        "goal": None, "closed": True}
    # The JSON is the only answer other sites' scripts may read.
    for url in ("/en/embed/water/", "/en/s/water/", "/en/embed/water/badge.svg"):
        assert "Access-Control-Allow-Origin" not in anon.get(url), url


def test_counts_come_from_the_counters_not_from_counting(anon, water,
                                                         django_assert_max_num_queries) -> None:
    add_signatures(water, 3)
    Signature.objects.filter(statement=water).update(status=Signature.Status.WITHDRAWN)
    # The counters were not told: what they say is what the embeds say (no COUNT(*)).
    assert json.loads(anon.get("/embed/water/count.json").content)["total"] == 3
    site.current()  # the site's name, read once per process, is not the badge's cost
    with django_assert_max_num_queries(4) as queries:
        anon.get("/en/embed/water/badge.svg")
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize("url", ["/embed/secret/", "/es/embed/secret/",
                                 "/embed/secret/badge.svg", "/en/embed/secret/badge.svg",
                                 "/embed/secret/count.json", "/embed/nothing/count.json"])
def test_drafts_and_unknown_statements_have_no_embeds(anon, url) -> None:
    """(An address without a prefix that names nothing is sent to the prefixed one first, as
    everywhere on the site: the same for a draft as for a slug that never existed.)"""
    make_statement("secret", status=Statement.Status.DRAFT)
    assert anon.get(url, follow=True).status_code == 404
    editor = Client()
    editor.force_login(User.objects.create_superuser("ed", password="not-used-here"))
    assert editor.get(url, follow=True).status_code == 404


def test_embeds_refuse_writes(anon, water) -> None:
    for url in ("/embed/water/", "/embed/water/count.json", "/en/embed/water/badge.svg"):
        assert anon.post(url).status_code == 405
