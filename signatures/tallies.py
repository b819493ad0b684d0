"""Tallies of sign-ons, kept in the write paths so that nothing has to count signatures later.

Two tables (signatures.models): ``SignOnTally`` per statement, UTC hour, kind and language
version, with the sign-ons received, confirmed and visible; ``CountryTally`` per statement and
country with the confirmed ones. What each counts and why is in docs/dashboard.md.

- The intake calls ``count_received`` once per batch: one grouped read of the signatures it
  has just stored and one upsert for all their groups.
- Every status change in signatures.actions takes the signature's ``contribution`` before and
  after and calls ``record_change``, which moves the difference (most changes touch one or two
  rows). The contribution is a pure function of the signature, so any change, however it came
  about, is counted the same way.
- ``recount`` computes the same figures from the signatures (the backfill in migration 0006,
  and the check that the tallies agree); ``rebuild`` replaces a statement's tallies with it.

Upserts add to a row (``ON CONFLICT … DO UPDATE SET n = n + excluded.n``) on SQLite and
PostgreSQL alike, so concurrent writers never lose an increment, and rows are written in key
order, so two transactions never wait on each other's rows in opposite orders.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import Count, Q
from django.db.models.functions import Cast, Substr

from core import inserts
from signatures.models import CountryTally, Signature, SignOnTally

# A form sign-on in one of these states has been confirmed and still counts: held for review,
# shown, or rejected by a moderator (the signer did confirm). Withdrawn ones do not.
CONFIRMED_STATUSES = ("held", "visible", "rejected")

# (statement id, hour, kind, language) and (statement id, country).
HourKey = tuple[int, datetime, str, str]
CountryKey = tuple[int, str]
Contribution = Counter  # of ("received" | "confirmed" | "visible", HourKey) and ("country", …)

_NOT_WORD = re.compile(r"[\W_]+")


def country_key(text: str) -> str:
    """The country as typed, made comparable: "  México ", "mexico" and "MEXICO." group
    together; "U.S.A." and "usa" too. Accents, case, punctuation and spacing are dropped;
    different names for one country ("Spain", "España") stay apart."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).replace(".", "")
    return " ".join(_NOT_WORD.sub(" ", plain).split())[:100]


def country_label(key: str) -> str:
    """How a grouped country is shown to editors: "united states" → "United States"."""
    return " ".join(word[:1].upper() + word[1:] for word in key.split())


def hour_of(moment: datetime) -> datetime:
    """The start of the UTC hour a moment falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def site_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE or "UTC")


def day_of(hour: datetime) -> date:
    """The date an hour belongs to in the site's time zone (its start's date: in a zone half
    an hour off UTC, the half hour around midnight goes with the day it started in)."""
    return hour.astimezone(site_zone()).date()


# --- the write side ---------------------------------------------------------------------------

def contribution(signature: Signature) -> Contribution:
    """What this signature adds to the tallies of confirmed and visible sign-ons as it is now
    (``received`` is counted once, on arrival, by ``count_received``)."""
    counted: Contribution = Counter()
    if signature.confirmed_at is None:
        return counted
    key: HourKey = (signature.statement_id, hour_of(signature.confirmed_at), signature.kind,
                    signature.language)
    if signature.source == Signature.Source.FORM and signature.status in CONFIRMED_STATUSES:
        counted["confirmed", key] += 1
        counted["country", (signature.statement_id, country_key(signature.country))] += 1
    if signature.status == Signature.Status.VISIBLE:
        counted["visible", key] += 1
    return counted


def record_change(before: Contribution, after: Contribution) -> None:
    """Move the tallies by the change from one contribution to the other (in the caller's
    transaction)."""
    change: Counter = Counter(after)
    change.subtract(before)
    hours: dict[HourKey, Counter] = {}
    countries: dict[CountryKey, int] = {}
    for (column, key), delta in change.items():
        if not delta:
            continue
        if column == "country":
            countries[key] = delta
        else:
            hours.setdefault(key, Counter())[column] += delta
    _add_hours(hours)
    _add_countries(countries)


def count_received(signature_ids: list[int]) -> None:
    """The intake stored these signatures: count them as received, one upsert per batch."""
    if not signature_ids:
        return
    hours: dict[HourKey, Counter] = {}
    for statement_id, kind, language, created_at, number in (
            Signature.objects.filter(pk__in=signature_ids)
            .values_list("statement_id", "kind", "language", "created_at")
            .annotate(number=Count("id")).order_by()):
        key = (statement_id, hour_of(created_at), kind, language)
        hours.setdefault(key, Counter())["received"] += number
    _add_hours(hours)


def _add_hours(rows: dict[HourKey, Counter]) -> None:
    _upsert(SignOnTally, ("statement_id", "hour", "kind", "language"), ("day",),
            ("received", "confirmed", "visible"),
            [(key, (day_of(key[1]),), tuple(counts[c] for c in ("received", "confirmed",
                                                                "visible")))
             for key, counts in rows.items()])


def _add_countries(rows: dict[CountryKey, int]) -> None:
    _upsert(CountryTally, ("statement_id", "country"), (), ("confirmed",),
            [(key, (), (delta,)) for key, delta in rows.items()])


def _upsert(model: type[models.Model], keys: tuple[str, ...], extras: tuple[str, ...],
            counters: tuple[str, ...],
            rows: list[tuple[tuple[Any, ...], tuple[Any, ...], tuple[int, ...]]]) -> None:
    """INSERT the rows, or add their counters to the rows already there: one statement."""
    if not rows:
        return
    quote = connection.ops.quote_name
    fields = [field for name in (*keys, *extras, *counters)
              if isinstance(field := model._meta.get_field(name), models.Field)]
    table = quote(model._meta.db_table)
    columns = [quote(inserts.column(field)) for field in fields]
    key_columns = columns[:len(keys)]
    sums = ", ".join(f"{column} = {table}.{column} + excluded.{column}"
                     for column in columns[len(keys) + len(extras):])
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params: list[Any] = []
    for key, extra, counts in sorted(rows, key=lambda row: row[0]):  # key order: no deadlocks
        params.extend(field.get_db_prep_save(value, connection)
                      for field, value in zip(fields, (*key, *extra, *counts), strict=True))
    # Names come from the model, quoted by the backend; every value is a parameter.
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608
           f"{', '.join([placeholders] * len(rows))} "
           f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {sums}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- recounting -------------------------------------------------------------------------------

Tallies = tuple[dict[tuple[HourKey, str], int], dict[CountryKey, int]]


def recount(signatures: Any = None, statement_ids: Iterable[int] | None = None) -> Tallies:
    """The tallies as the signatures table has them now, without zeros: ({(hour key, column):
    n}, {(statement id, country): n}). ``signatures`` is the Signature model (the migration
    passes its historical one). Sign-ons that expired unconfirmed are no longer in the table,
    so a recount does not have them in ``received``; the kept tallies do."""
    model: Any = signatures or Signature
    queryset = model._default_manager.all()
    if statement_ids is not None:
        queryset = queryset.filter(statement_id__in=list(statement_ids))
    form = Q(source="form")
    confirmed = form & Q(status__in=CONFIRMED_STATUSES, confirmed_at__isnull=False)
    hours: dict[tuple[HourKey, str], int] = {}
    for column, when, condition in (("received", "created_at", form),
                                    ("confirmed", "confirmed_at", confirmed),
                                    ("visible", "confirmed_at",
                                     Q(status="visible", confirmed_at__isnull=False))):
        for statement_id, hour, kind, language, count in (
                queryset.filter(condition).annotate(hour=_hour_text(when))
                .values_list("statement_id", "hour", "kind", "language")
                .annotate(number=Count("id")).order_by()):
            hour_key = ((statement_id, _parse_hour(hour), kind, language), column)
            hours[hour_key] = hours.get(hour_key, 0) + count
    countries: dict[CountryKey, int] = {}
    for statement_id, country, number in (queryset.filter(confirmed)
                                          .values_list("statement_id", "country")
                                          .annotate(number=Count("id")).order_by()):
        key = (statement_id, country_key(country))
        countries[key] = countries.get(key, 0) + number
    return hours, countries


def _hour_text(field: str) -> Substr:
    """"2026-03-01 14", the UTC hour of a moment as the database writes it: SQLite stores UTC
    text, and Django's PostgreSQL sessions run in UTC. Grouping by this is native on both;
    ``TruncHour`` is a Python function per row on SQLite (minutes at a million rows)."""
    return Substr(Cast(field, models.CharField()), 1, 13)


def _parse_hour(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H").replace(tzinfo=UTC)


def kept(statement_ids: Iterable[int] | None = None) -> Tallies:
    """The tallies as kept, in the shape ``recount`` returns (zeros left out)."""
    hour_rows = SignOnTally.objects.all()
    country_rows = CountryTally.objects.all()
    if statement_ids is not None:
        ids = list(statement_ids)
        hour_rows, country_rows = (hour_rows.filter(statement_id__in=ids),
                                   country_rows.filter(statement_id__in=ids))
    hours: dict[tuple[HourKey, str], int] = {}
    for row in hour_rows:
        for column in ("received", "confirmed", "visible"):
            if getattr(row, column):
                hours[(row.statement_id, hour_of(row.hour), row.kind, row.language), column] = \
                    getattr(row, column)
    countries = {(row.statement_id, row.country): row.confirmed for row in country_rows
                 if row.confirmed}
    return hours, countries


def rebuild(statement_ids: Iterable[int] | None = None, *, tally_model: Any = None,
            country_model: Any = None, signatures: Any = None) -> None:
    """Replace the tallies with a recount (the backfill; also after a change of the site's time
    zone, which moves the days). Run it in a transaction."""
    ids = None if statement_ids is None else list(statement_ids)
    tally_model, country_model = tally_model or SignOnTally, country_model or CountryTally
    hours, countries = recount(signatures, ids)
    for model in (tally_model, country_model):
        (model.objects.all() if ids is None else model.objects.filter(statement_id__in=ids)
         ).delete()
    rows: dict[HourKey, dict[str, int]] = {}
    for (key, column), number in hours.items():
        rows.setdefault(key, {})[column] = number
    tally_model.objects.bulk_create(
        [tally_model(statement_id=statement_id, hour=hour, day=day_of(hour), kind=kind,
                     language=language, **counts)
         for (statement_id, hour, kind, language), counts in rows.items()], batch_size=500)
    country_model.objects.bulk_create(
        [country_model(statement_id=statement_id, country=country, confirmed=number)
         for (statement_id, country), number in countries.items()], batch_size=500)
