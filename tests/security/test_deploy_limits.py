"""The shipped nginx configuration limits, per address, GETs with a query string (searches,
made-up parameters: each may be a render) and the data-rights POSTs (each may send a mail).

nginx is not installed where the tests run (``make bench`` installs it for its own runs), so
these read the configuration: the zones exist, their keys count only what they should, and the
locations that serve those requests apply them."""

from __future__ import annotations

import re

from .test_deploy import CONF


def block(text: str, opening: str) -> str:
    start = text.index(opening)
    return text[start:text.index("\n    }\n", start)]


def zone(text: str, name: str) -> tuple[str, str]:
    match = re.search(r"limit_req_zone\s+(\$\w+)\s+zone=" + name + r":\d+m\s+rate=(\d+r/[sm]);",
                      text)
    assert match is not None, name
    return match.group(1), match.group(2)


def test_gets_with_a_query_string_are_limited_per_address() -> None:
    text = CONF.read_text()
    key, rate = zone(text, "undersigned_queries")
    assert key == "$undersigned_query_key" and rate == "10r/s"
    mapping = text[text.index('map "$request_method:$is_args" $undersigned_query_key {'):]
    mapping = mapping[:mapping.index("}")]
    # Only GET/HEAD with a query string get a key; everything else is never counted.
    assert sorted(re.findall(r'"(\w+):\?"\s+\$binary_remote_addr;', mapping)) == ["GET", "HEAD"]
    assert re.search(r'default\s+"";', mapping)
    assert re.search(r"limit_req zone=undersigned_queries burst=\d+ nodelay;",
                     block(text, "    location / {"))


def test_query_strings_are_not_stored_in_the_micro_cache() -> None:
    app = block(CONF.read_text(), "    location @undersigned_app {")
    assert "proxy_no_cache $undersigned_skip_cache $is_args;" in app
    assert "proxy_cache_bypass $undersigned_skip_cache $is_args;" in app


def test_data_rights_posts_are_limited_per_address() -> None:
    text = CONF.read_text()
    key, rate = zone(text, "undersigned_data_rights")
    assert key == "$undersigned_post_key" and rate.endswith("r/m")
    locations = [re.match(r"    location ~ (\S+) \{", block(text, opening)).group(1)
                 for opening in re.findall(r"    location ~ \S+ \{", text)
                 if re.search(r"limit_req zone=undersigned_data_rights burst=\d+ nodelay;",
                              block(text, opening))]
    assert len(locations) == 1
    pattern = re.compile(locations[0])
    for path in ("/en/privacy/your-data/", "/es/privacy/your-data/", "/en/privacy/your-data/s1.x/"):
        assert pattern.search(path), path
    assert not pattern.search("/en/privacy/")
    # The form posts there (privacy/urls.py): a moved URL would leave the limit behind.
    from django.urls import reverse
    from django.utils import translation

    for language in ("en", "es"):
        with translation.override(language):
            assert pattern.search(reverse("privacy:request-link"))
