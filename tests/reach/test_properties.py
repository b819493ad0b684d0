"""Property: whatever a visitor types as their Mastodon server, the answer is a redirect to
``https://<a domain>/share`` or a 400 saying why; never a 500, never anywhere else."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from reach.share import mastodon_host

pytestmark = pytest.mark.django_db

instances = st.one_of(
    st.text(max_size=300),
    st.from_regex(r"[a-zA-Z0-9.\-@:/\\?#%\[\] ]{0,40}", fullmatch=True),
    st.sampled_from(["mastodon.social", "bücher.example", "\x00", "\u202e", "\ufffd",
                     "a" * 5000, "evil.example/.mastodon.social", "//evil.example",
                     "xn--.example", "ex\u3002ample", "EXAMPLE.ORG."]))


@given(instance=instances)
def test_the_mastodon_hand_over_goes_only_to_a_checked_domain(statement, instance):
    response = Client().get("/en/share/water-is-life/en/mastodon/", {"instance": instance})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        target = urlsplit(response["Location"])
        assert target.scheme == "https" and target.path == "/share"
        assert target.netloc == mastodon_host(instance)
        assert not target.username and target.port is None


@given(slug=st.text(max_size=60), language=st.text(max_size=20))
def test_no_share_image_address_gives_a_500(statement, slug, language):
    path = f"/en/share/{quote(slug, safe='') or 'x'}/{quote(language, safe='') or 'x'}.png"
    assert Client().get(path).status_code in (200, 400, 404)
