"""The link limit counts every address a comment carries: Markdown links, autolinks, and the
addresses left as plain text (https://…, www.…, example.org/path), each the same."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comments.models import Comment
from comments.rules import count_links
from core.rendering import render_comment
from tests.comments.conftest import post_ok


def links_in(text: str, website: str = "") -> int:
    return count_links(render_comment(text), website)


@pytest.mark.parametrize("address", ["https://example.org", "http://example.org/a?b=1&c=2",
                                     "www.example.org", "WWW.Example.org/path",
                                     "example.org/path", "sub.example.co.uk/a/b",
                                     "ftp://example.org/file"])
def test_a_plain_address_counts_as_a_link(address):
    assert links_in(f"Read {address} now.") == 1
    assert links_in(f"Read [this]({address if '://' in address else 'https://' + address}).") == 1


def test_an_address_that_is_a_links_text_is_that_link_only():
    assert links_in("[https://example.org](https://example.org)") == 1
    assert links_in("<https://example.org>") == 1
    assert links_in("[example.org/a](https://example.org/a) and www.example.org") == 2


@pytest.mark.parametrize("text", ["Write to ana@example.org", "agreed.Thanks", "e.g. this",
                                  "i.e. that", "rated 3.5/10", "costs 5.00/month",
                                  "1.5 km/h", "yes/no", "example.org"])
def test_ordinary_words_are_not_addresses(text):
    assert links_in(text) == 0


def test_the_website_counts_too():
    assert links_in("www.example.org", website="https://me.example") == 2


_label = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
_domain = st.builds(lambda labels, tld: ".".join([*labels, tld]),
                    st.lists(_label, min_size=1, max_size=3),
                    st.sampled_from(["org", "com", "net", "cl", "es", "info"]))
_path = st.from_regex(r"[a-zA-Z0-9_~%-]{0,10}(/[a-zA-Z0-9_~%-]{1,10}){0,2}", fullmatch=True)
_address = st.one_of(
    st.builds(lambda d, p: f"https://{d}/{p}", _domain, _path),
    st.builds(lambda d, p: f"http://{d}/{p}", _domain, _path),
    st.builds(lambda d: f"www.{d}", _domain),
    st.builds(lambda d, p: f"{d}/{p}", _domain, _path),
)
_filler = st.lists(st.from_regex(r"[A-Za-zñáé]{1,10}[,!?]?", fullmatch=True), max_size=4)


@given(parts=st.lists(st.tuples(_filler, _address), max_size=6), tail=_filler)
def test_property_plain_and_markdown_addresses_count_alike(parts, tail):
    plain = " ".join(" ".join([*words, address]) for words, address in parts)
    marked = " ".join(
        " ".join([*words, f"[see]({address if '://' in address else 'https://' + address})"])
        for words, address in parts)
    plain, marked = f"{plain} {' '.join(tail)}", f"{marked} {' '.join(tail)}"
    assert links_in(plain) == len(parts)
    assert links_in(marked) == len(parts)


@pytest.mark.django_db(transaction=True)
def test_plain_addresses_over_the_limit_are_held(anon, open_statement, _generous_limits):
    _generous_limits.max_links = 1
    _generous_limits.save()
    assert post_ok(anon, open_statement, body="Only www.example.org").status == \
        Comment.Status.VISIBLE
    held = post_ok(anon, open_statement, body="Cheap www.example.org and shop.example/buy")
    assert (held.status, held.reason) == (Comment.Status.HELD, "too many links")
