"""The per-day chart (issue 17, dashboard) on a crawl of the public site: with sign-ons of every
status and visibility, through the forms and directly, the chart shows counts only — the same
total as the public count — and no public response names a hidden or count-only signer or
carries an address, an IP address or anything derived from them. The editors' dashboard is not
public: an anonymous visit is sent to sign in and sees no figure."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from signatures import actions as signature_actions
from signatures import tallies
from tests.conftest import make_statement
from tests.crawling import crawl
from tests.privacy.test_crawl import (
    IPS,
    NEVER_SHOWN,
    USER_AGENT,
    post_through_the_forms,
    secrets_to_find,
    seed_directly,
    seed_hidden_organisations,
)


@pytest.mark.django_db
def test_the_public_per_day_chart_shows_counts_and_reveals_no_one(monkeypatch) -> None:
    statement = make_statement("open-letter", signature_moderation="none",
                               comment_moderation="none", show_daily_chart=True)
    post_through_the_forms(statement, monkeypatch)
    seed_directly(statement)
    seed_hidden_organisations(statement)
    # Those two write straight into the table, as an import would: the tallies are recounted.
    tallies.rebuild([statement.pk])
    assert tallies.kept() == tallies.recount()

    anonymous = Client(REMOTE_ADDR=IPS[0], HTTP_USER_AGENT=USER_AGENT)
    pages = crawl(anonymous, ["/en/", "/es/", "/en/s/open-letter/", "/es/s/open-letter/",
                              f"/admin/dashboard/{statement.pk}/"])
    for path in ("/en/s/open-letter/", "/es/s/open-letter/"):
        status, text = pages[path]
        assert status == 200
        chart = re.search(r'<section class="daily-chart".*?</section>', text, re.S)
        assert chart, path
        # Counts only: the total is the public count, and the table holds days and numbers.
        total = signature_actions.counts(statement).total
        assert total > 0
        assert re.search(rf"\b{total}\b", chart.group(0))
        cells = re.findall(r"<td>([^<]*)</td>", chart.group(0))
        assert cells and all(re.fullmatch(r"[\d.,\s]+", cell) for cell in cells)
        for word in ("Peru", "Signer", "Direct", "Union", "Guild", "@"):
            assert word not in chart.group(0)

    status, text = pages[f"/admin/dashboard/{statement.pk}/"]
    assert status == 302 and "/admin/login/" in text
    assert "Sign-ons received" not in text and "By country" not in text

    secrets = secrets_to_find()
    leaks = [(path, secret) for path, (_status, text) in pages.items() for secret in secrets
             if secret in text.lower()]
    assert leaks == []
    shown = [(path, name) for path, (_status, text) in pages.items() for name in NEVER_SHOWN
             if name.lower() in text.lower()]
    assert shown == []
