"""A statement's figures (dashboard.figures) as the dashboard's charts, in the editor's
language: which numbers each chart shows, and how its labels read."""

from __future__ import annotations

from datetime import date, datetime

from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS
from django.utils.translation import get_language_info, gettext, pgettext

from dashboard.charts import Bar, Chart, bar_chart, column_chart, number
from dashboard.figures import HOURS, Figures
from signatures.models import Signature
from signatures.tallies import country_label, site_zone


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "–"


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


class Dates:
    """Dates written as Django's "j M" and "l j F Y" formats write them, with the month and
    day names translated once per render instead of once per bar (a year of days is 365)."""

    def __init__(self) -> None:
        self.months = {n: str(name) for n, name in MONTHS.items()}
        self.short_months = {n: str(name).title() for n, name in MONTHS_3.items()}
        self.weekdays = {n: str(name) for n, name in WEEKDAYS.items()}

    def short(self, day: date) -> str:
        return f"{day.day} {self.short_months[day.month]}"

    def long(self, day: date) -> str:
        return f"{self.weekdays[day.weekday()]} {day.day} {self.months[day.month]} {day.year}"

    def hour(self, moment: datetime) -> str:
        return f"{self.short(moment)}, {moment:%H:%M}"


def charts(found: Figures) -> list[Chart]:
    zone = site_zone()
    dates = Dates()
    received, confirmed = gettext("Received"), gettext("Confirmed")
    hours = column_chart(
        gettext("Sign-ons confirmed per hour, last %(hours)s hours") % {"hours": HOURS},
        gettext("Confirmed sign-ons in each hour, times in %(zone)s; %(total)s in all.") % {
            "zone": zone.key, "total": number(sum(c for _h, _r, c in found.hours))},
        [Bar(label=f"{hour.astimezone(zone):%H:%M}", value=confirmed_n,
             name=dates.hour(hour.astimezone(zone)),
             cells=(number(received_n), number(confirmed_n)))
         for hour, received_n, confirmed_n in found.hours],
        headers=(gettext("Hour"), received, confirmed))
    days = column_chart(
        gettext("Sign-ons confirmed per day, whole campaign"),
        gettext("Confirmed sign-ons on each day, in %(zone)s; %(total)s in all.") % {
            "zone": zone.key, "total": number(found.confirmed)},
        [Bar(label=dates.short(day), value=confirmed_n, name=dates.long(day),
             cells=(number(received_n), number(confirmed_n)))
         for day, received_n, confirmed_n in found.days],
        headers=(gettext("Day"), received, confirmed))
    kinds = bar_chart(
        gettext("By kind"), gettext("Confirmed sign-ons of individuals and of organisations."),
        [Bar(label=str(Signature.Kind(kind).label), value=confirmed_n,
             cells=(number(received_n), number(confirmed_n)))
         for kind, (received_n, confirmed_n) in found.kinds.items()],
        headers=(gettext("Kind"), received, confirmed))
    shown = [(country_label(key) or gettext("Not given"), n) for key, n in found.countries]
    if found.other_countries:
        shown.append((gettext("Other countries"), found.other_countries))
    countries = bar_chart(
        gettext("By country"),
        gettext("Confirmed sign-ons per country as signers typed it (accents, case and "
                "punctuation ignored): the leading %(top)s, then all others.") % {
            "top": len(found.countries)},
        [Bar(label=label, value=n, text=f"{number(n)} ({percent(n, found.confirmed)})",
             cells=(number(n), percent(n, found.confirmed))) for label, n in shown],
        headers=(gettext("Country"), confirmed, gettext("Share")))
    languages = bar_chart(
        gettext("By language version"),
        gettext("Confirmed sign-ons per language version of the page they signed on."),
        [Bar(label=language_name(code), value=confirmed_n,
             cells=(number(received_n), number(confirmed_n)))
         for code, (received_n, confirmed_n) in found.languages.items()],
        headers=(gettext("Language"), received, confirmed))
    rate = bar_chart(
        gettext("Confirmation rate"),
        gettext("Sign-ons received and confirmed by their signers: %(rate)s confirmed.") % {
            "rate": percent(found.confirmed, found.received)},
        [Bar(label=received, value=found.received, cells=(number(found.received), "100 %"
                                                          if found.received else "–")),
         Bar(label=confirmed, value=found.confirmed,
             text=f"{number(found.confirmed)} ({percent(found.confirmed, found.received)})",
             cells=(number(found.confirmed), percent(found.confirmed, found.received)))],
        headers=(gettext("Sign-ons"), pgettext("how many", "Number"), gettext("Share")))
    return [hours, days, kinds, countries, languages, rate]
