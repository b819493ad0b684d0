"""The shipped nginx configuration serves page files with the headers the app would send."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import make_statement
from tests.performance.conftest import wsgi_request

CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "undersigned.conf"
# Computed per response by whoever serves it (nginx makes its own ETag from the file).
PER_RESPONSE = {"content-type", "content-length", "etag", "vary", "content-encoding"}


def page_files_location() -> str:
    text = CONF.read_text()
    start = text.index("    location / {")
    return text[start:text.index("\n    }\n", start)]


def nginx_headers() -> dict[str, str]:
    headers = {}
    for name, value in re.findall(r'add_header\s+(\S+)\s+("[^"]*"|\S+)\s+always;',
                                  page_files_location()):
        headers[name.lower()] = value.strip('"')
    return headers


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url, language", [("/en/s/viral/", "en"), ("/es/s/viral/", "es")])
def test_page_files_get_every_header_the_app_sends(url, language) -> None:
    make_statement(slug="viral")
    response = wsgi_request(url)
    app = {name.lower(): value for name, value in response.header_list
           if name.lower() not in PER_RESPONSE}
    nginx = nginx_headers()
    assert nginx.pop("content-language") == "$undersigned_page_language"
    assert app.pop("content-language") == language
    assert nginx == app


def test_page_files_are_only_tried_for_what_the_micro_cache_may_serve() -> None:
    text = CONF.read_text()
    mapping = text[text.index("map \"$request_method:$undersigned_skip_cache:$is_args\""):]
    mapping = mapping[:mapping.index("}")]
    assert re.findall(r'"(\w+):0:"\s+/pages;', mapping) == ["GET", "HEAD"]
    assert re.search(r"default\s+/no-page-files;", mapping)
    location = page_files_location()
    assert "try_files $undersigned_page_files${uri}index.html @undersigned_app;" in location
    assert "open_file_cache_valid 1s;" in location
    # The language map gives /en/... "en" and /es/... "es", as the app's Content-Language, read
    # from the URL asked for: $uri is the page file's path once try_files found it (the header
    # was missing from every page file).
    assert "map $request_uri $undersigned_page_language {" in text
    language = re.search(r'"~\^/\(\?<language>(.+?)\)/"', text)
    assert language is not None
    pattern = re.compile("^/(?P<language>" + language.group(1) + ")/")
    assert pattern.match("/es/s/viral/").group("language") == "es"
    assert pattern.match("/en/").group("language") == "en"
