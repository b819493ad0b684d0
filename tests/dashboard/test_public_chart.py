"""The per-day chart on the statement page (``Statement.show_daily_chart``): off by default;
when on, it counts the sign-ons on the public list and nothing else, and the cached page
follows every change of those counts."""

from __future__ import annotations

import re

import pytest
from django.utils import formats, timezone

from signatures import actions
from signatures.models import Signature
from statements.models import Statement
from tests.conftest import make_statement
from tests.dashboard.conftest import organisation_fields, sign

# Transactional: the page cache is told of changes on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/en/s/water-is-life/"


def chart_of(html: str) -> str:
    match = re.search(r'<section class="daily-chart".*?</section>', html, re.S)
    return match.group(0) if match else ""


def test_the_chart_is_off_by_default(anon) -> None:
    statement = make_statement(signature_moderation="none")
    actions.do_confirm(sign(anon, statement, name="Ana"))
    assert not Statement.objects.get().show_daily_chart
    html = anon.get(PAGE).content.decode()
    assert "Ana" in html
    assert not chart_of(html)
    assert "Sign-ons per day" not in html


def test_when_on_it_counts_only_what_the_list_counts_and_names_no_one(anon) -> None:
    statement = make_statement()  # organisations are held for review
    shown = sign(anon, statement, name="Ana Shown", country="Chile")
    counted = sign(anon, statement, name="Ben Countonly", country="Peru", show_name=None)
    gone = sign(anon, statement, name="Cai Withdrawn")
    held = sign(anon, statement, name="Dee Held", **organisation_fields("Held Union"))
    sign(anon, statement, name="Eva Unconfirmed")
    for signature in (shown, counted, gone, held):
        actions.do_confirm(signature)
    actions.do_withdraw(Signature.objects.get(pk=gone.pk))
    before = anon.get(PAGE).content.decode()
    assert not chart_of(before)

    statement.show_daily_chart = True
    statement.save()  # the admin's save: the page is told through the model's signal
    html = anon.get(PAGE).content.decode()
    chart = chart_of(html)
    assert chart, "the chart appears once the editors turn it on"
    today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    assert "2 in all" in chart
    assert re.search(rf"<th scope=\"row\">{re.escape(today)}</th><td>2</td>", chart)
    assert 'role="img"' in chart and "<title>Sign-ons per day</title>" in chart
    for secret in ("Ana", "Ben", "Countonly", "Cai", "Dee", "Held Union", "Eva", "Chile",
                   "Peru", "@"):
        assert secret not in chart
    # It sits with the list, before the sign-on section.
    assert html.index('class="daily-chart"') < html.index('id="sign"')

    # The cached page follows a confirmation, an approval and a withdrawal.
    actions.do_confirm(sign(anon, statement, name="Fay"))
    assert "3 in all" in chart_of(anon.get(PAGE).content.decode())
    actions.do_approve(Signature.objects.filter(pk=held.pk), actor=None)
    assert "4 in all" in chart_of(anon.get(PAGE).content.decode())
    actions.do_withdraw(Signature.objects.get(pk=shown.pk))
    assert "3 in all" in chart_of(anon.get(PAGE).content.decode())


def test_the_chart_is_in_the_reader_s_language(anon) -> None:
    statement = make_statement(signature_moderation="none", show_daily_chart=True)
    actions.do_confirm(sign(anon, statement, name="Ana"))
    chart = chart_of(anon.get("/es/s/water-is-life/").content.decode())
    assert chart
    assert "Sign-ons per day" not in chart


def test_the_page_with_the_chart_and_the_dashboard_are_valid_html(anon, client_of) -> None:
    from core.roles import EDITOR
    from tests.dashboard.conftest import staff
    from tests.htmlcheck import html_errors

    statement = make_statement(signature_moderation="none", show_daily_chart=True)
    for name, country in (("Ana", "Chile"), ("Ben", "<i>Peru</i>")):
        actions.do_confirm(sign(anon, statement, name=name, country=country))
    pages = {"statement page": anon.get(PAGE).content.decode(),
             "dashboard": client_of(staff("edna", EDITOR))
             .get(f"/admin/dashboard/{statement.pk}/").content.decode()}
    assert chart_of(pages["statement page"])
    assert html_errors(pages) == {}
