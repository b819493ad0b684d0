"""/sitemap.xml lists every public language version with its hreflang alternates; /robots.txt
opens the public site and closes the admin and every personal link."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from django.test import Client

from statements.models import Statement
from tests.conftest import make_statement

from .conftest import translate

pytestmark = pytest.mark.django_db

BASE = "http://127.0.0.1:8000"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def sitemap(client: Client) -> dict[str, dict[str, str]]:
    """{location: {hreflang: href}} of /sitemap.xml."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own answer)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    found = {}
    for url in root.findall("s:url", NS):
        location = url.findtext("s:loc", namespaces=NS)
        assert location
        found[location] = {link.get("hreflang"): link.get("href")
                           for link in url.findall("x:link", NS)
                           if link.get("rel") == "alternate"}
    return found


def test_every_language_version_is_listed_with_its_alternates(anon) -> None:
    statement = make_statement("water", title="Water is life")
    translate(statement, "es", "El agua es vida")
    translate(statement, "ar", "الماء حياة")
    spanish_original = make_statement("tierra", title="La tierra", language="es")
    translate(spanish_original, "fa", "زمین")
    make_statement("secret", status=Statement.Status.DRAFT)
    make_statement("old", status=Statement.Status.ARCHIVED)

    urls = sitemap(anon)
    water = {"en": f"{BASE}/en/s/water/", "es": f"{BASE}/es/s/water/",
             "ar": f"{BASE}/en/s/water/ar/"}
    for location in water.values():
        assert urls[location] == water
    # A translation the interface does not speak sits under the statement's own language.
    tierra = {"es": f"{BASE}/es/s/tierra/", "fa": f"{BASE}/es/s/tierra/fa/"}
    for location in tierra.values():
        assert urls[location] == tierra
    assert f"{BASE}/en/s/old/" in urls  # archived pages stay public
    assert not [location for location in urls if "secret" in location]
    # The Spanish interface around the English text is not another language version.
    assert f"{BASE}/en/s/tierra/" not in urls
    # The listed pages answer.
    for location in [*water.values(), *tierra.values()]:
        assert anon.get(location.removeprefix(BASE)).status_code == 200


def test_home_and_category_pages_are_listed_in_every_interface_language(anon) -> None:
    make_statement("water", category="Opinion")
    urls = sitemap(anon)
    home = {"en": f"{BASE}/en/", "es": f"{BASE}/es/"}
    assert urls[f"{BASE}/en/"] == urls[f"{BASE}/es/"] == home
    assert urls[f"{BASE}/es/category/opinion/"] == {
        "en": f"{BASE}/en/category/opinion/", "es": f"{BASE}/es/category/opinion/"}


def test_addresses_come_from_the_base_url_not_the_request(anon, settings) -> None:
    settings.BASE_URL = "https://statements.example"
    make_statement("water")
    urls = sitemap(Client(HTTP_HOST="127.0.0.1"))
    assert "https://statements.example/en/s/water/" in urls
    assert all(location.startswith("https://statements.example/") for location in urls)


def test_a_new_statement_reaches_the_cached_sitemap(anon) -> None:
    make_statement("first")
    assert f"{BASE}/en/s/second/" not in sitemap(anon)
    make_statement("second")
    assert f"{BASE}/en/s/second/" in sitemap(anon)


def test_robots_txt_opens_the_site_and_closes_personal_pages(anon) -> None:
    response = anon.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    disallowed = {line.split(": ", 1)[1] for line in lines if line.startswith("Disallow:")}
    for language in ("en", "es"):
        assert {f"/{language}/signature/confirm/", f"/{language}/signature/manage/",
                f"/{language}/privacy/your-data/", f"/{language}/comments/remove/"
                } <= disallowed
    assert "/admin/" in disallowed
    assert not any(path in disallowed for path in ("/", "/en/", "/en/s/"))
    assert "Allow: /" in lines
    assert f"Sitemap: {BASE}/sitemap.xml" in lines


def test_wrong_methods_are_refused(anon) -> None:
    assert anon.post("/sitemap.xml").status_code == 405
    assert anon.post("/robots.txt").status_code == 405
