"""What the editors' dashboard reads: a statement's figures from the sign-on tallies, in a
fixed number of queries whatever the number of signatures (docs/dashboard.md).

1. the last 48 hours, summed per hour (at most 48 × kinds × languages rows, by the tallies'
   key index);
2. the whole campaign, summed per day, kind and language (at most days × kinds × languages);
3. the leading countries (``TOP_COUNTRIES`` rows), the rest being the total minus them;
4. the held sign-ons, per kind (the signatures' list index: statement, kind, status);
5. the held comments.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Sum
from django.utils import timezone

from comments.models import Comment
from signatures.models import CountryTally, Signature, SignOnTally
from signatures.tallies import hour_of, site_zone
from statements.models import Statement

HOURS = 48
TOP_COUNTRIES = 10
# The per-day chart draws at most this many days (the most recent); the table lists them too.
MAX_DAYS = 400


@dataclass
class Figures:
    statement: Statement
    now: datetime
    # Per hour (the last HOURS, oldest first) and per day (first day to today): (received,
    # confirmed).
    hours: list[tuple[datetime, int, int]] = field(default_factory=list)
    days: list[tuple[date, int, int]] = field(default_factory=list)
    kinds: dict[str, tuple[int, int]] = field(default_factory=dict)
    languages: dict[str, tuple[int, int]] = field(default_factory=dict)
    countries: list[tuple[str, int]] = field(default_factory=list)
    other_countries: int = 0
    received: int = 0
    confirmed: int = 0
    held_signatures: dict[str, int] = field(default_factory=dict)
    held_comments: int = 0

    @property
    def rate(self) -> float | None:
        """Confirmed ÷ received; None before anyone signed."""
        return self.confirmed / self.received if self.received else None


def figures(statement: Statement, now: datetime | None = None) -> Figures:
    now = now or timezone.now()
    found = Figures(statement=statement, now=now)
    tallies = SignOnTally.objects.filter(statement=statement)

    last_hour = hour_of(now)
    first_hour = last_hour - timedelta(hours=HOURS - 1)
    per_hour: dict[datetime, tuple[int, int]] = {
        hour_of(row["hour"]): (row["received"] or 0, row["confirmed"] or 0)
        for row in tallies.filter(hour__gte=first_hour, hour__lte=last_hour).values("hour")
        .annotate(received=Sum("received"), confirmed=Sum("confirmed")).order_by()}
    found.hours = [(hour, *per_hour.get(hour, (0, 0)))
                   for hour in (first_hour + timedelta(hours=n) for n in range(HOURS))]

    per_day: Counter[tuple[date, str]] = Counter()
    kinds: Counter[tuple[str, str]] = Counter()
    languages: Counter[tuple[str, str]] = Counter()
    for row in (tallies.values("day", "kind", "language")
                .annotate(received=Sum("received"), confirmed=Sum("confirmed")).order_by()):
        for column in ("received", "confirmed"):
            number = row[column] or 0
            per_day[row["day"], column] += number
            kinds[row["kind"], column] += number
            languages[row["language"], column] += number
    found.received = sum(n for (_day, column), n in per_day.items() if column == "received")
    found.confirmed = sum(n for (_day, column), n in per_day.items() if column == "confirmed")
    found.kinds = {kind: (kinds[kind, "received"], kinds[kind, "confirmed"])
                   for kind in Signature.Kind.values}
    found.languages = {language: (languages[language, "received"],
                                  languages[language, "confirmed"])
                       for language in sorted({language for language, _c in languages})}
    today = now.astimezone(site_zone()).date()
    first_day = min((day for day, _column in per_day), default=today)
    first_day = max(first_day, today - timedelta(days=MAX_DAYS - 1))
    found.days = [(day, per_day[day, "received"], per_day[day, "confirmed"])
                  for day in (first_day + timedelta(days=n)
                              for n in range((today - first_day).days + 1))]

    found.countries = list(CountryTally.objects.filter(statement=statement, confirmed__gt=0)
                           .order_by("-confirmed", "country")
                           .values_list("country", "confirmed")[:TOP_COUNTRIES])
    found.other_countries = max(found.confirmed - sum(n for _c, n in found.countries), 0)

    held = dict(Signature.objects.filter(statement=statement, kind__in=Signature.Kind.values,
                                         status=Signature.Status.HELD)
                .values_list("kind").annotate(number=Count("id")).order_by())
    found.held_signatures = {kind: held.get(kind, 0) for kind in Signature.Kind.values}
    found.held_comments = Comment.objects.filter(statement=statement).held().count()
    return found
