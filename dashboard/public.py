"""What the statement page shows of the tallies when its editors turn the chart on
(``Statement.show_daily_chart``): sign-ons on the public list per day, counts only.

Each day counts the sign-ons confirmed that day that are visible now: the same sign-ons the
public count adds up, never one that is held, rejected, withdrawn or unconfirmed, and no name,
country or kind (docs/dashboard.md). Every change of those counts already moves the statement's
generation (signatures.actions), so the cached page follows."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Sum

from signatures.models import SignOnTally
from statements.models import Statement

# The chart shows at most the last this many days of signing.
MAX_DAYS = 120


def visible_per_day(statement: Statement) -> list[tuple[date, int]]:
    """(day, sign-ons on the list confirmed that day), from the first such day to the last,
    days without any included as zeros; empty while the list is."""
    counts = {row["day"]: row["visible"] for row in
              SignOnTally.objects.filter(statement=statement).values("day")
              .annotate(visible=Sum("visible")).order_by() if row["visible"]}
    if not counts:
        return []
    last = max(counts)
    first = max(min(counts), last - timedelta(days=MAX_DAYS - 1))
    return [(day, counts.get(day, 0))
            for day in (first + timedelta(days=n) for n in range((last - first).days + 1))]
