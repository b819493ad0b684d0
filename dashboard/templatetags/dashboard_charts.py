"""``{% daily_chart statement %}``: the statement page's per-day chart of sign-ons, when its
editors turned it on. The statements app's template loads this tag: it does not import the
dashboard, which sits above it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from core.sections import render_section
from dashboard.charts import Bar, column_chart, number
from dashboard.public import visible_per_day

if TYPE_CHECKING:
    from statements.models import Statement

register = template.Library()


@register.simple_tag(takes_context=True)
def daily_chart(context: template.Context, statement: Statement) -> SafeString:
    if not statement.show_daily_chart:
        return SafeString("")
    days = visible_per_day(statement)
    if not days:
        return SafeString("")
    total = sum(n for _day, n in days)
    chart = column_chart(
        gettext("Sign-ons per day"),
        gettext("Sign-ons on the list by the day they were confirmed; %(total)s in all.") % {
            "total": number(total)},
        [Bar(label=formats.date_format(day, "j M"), value=n,
             name=formats.date_format(day, "DATE_FORMAT")) for day, n in days],
        headers=(gettext("Day"), gettext("Sign-ons")))
    return render_section(context, "dashboard/_daily_chart.html", {"chart": chart})
