"""The sign-on tallies (signatures.tallies) are kept by the write paths and always equal a
recount from the signatures; the backfill migration fills them and can be reversed."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from signatures import actions, data_rights, intake, tallies
from signatures.models import CountryTally, Signature, SignOnTally
from statements.models import Statement
from tests.conftest import make_statement
from tests.dashboard.conftest import organisation_fields, sign
from tests.migrations import migrate


def totals(statement: Statement) -> dict[str, int]:
    found: Counter = Counter()
    for row in SignOnTally.objects.filter(statement=statement):
        for column in ("received", "confirmed", "visible"):
            found[column] += getattr(row, column)
    return {column: number for column, number in found.items() if number}


def countries(statement: Statement) -> dict[str, int]:
    return {row.country: row.confirmed
            for row in CountryTally.objects.filter(statement=statement) if row.confirmed}


def assert_tallies_match_a_recount() -> None:
    assert tallies.kept() == tallies.recount()


@pytest.mark.django_db
def test_every_kind_of_change_keeps_the_tallies_equal_to_a_recount(anon, settings) -> None:
    settings.TIME_ZONE = "America/Mexico_City"
    statement = make_statement()  # organisations are held for review (the default policy)
    other = make_statement("other-statement", signature_moderation="none")
    ana = sign(anon, statement, name="Ana", country="  México ")
    ben = sign(anon, statement, name="Ben", country="MEXICO.", language="es")
    cai = sign(anon, statement, name="Cai", country="Chile", show_name=None)
    dee = sign(anon, statement, name="Dee", country="Chile")
    union = sign(anon, statement, name="Eva", country="Chile", **organisation_fields("Union"))
    guild = sign(anon, statement, name="Fay", country="", **organisation_fields("Guild"))
    never = sign(anon, statement, name="Gus", country="Peru")  # never confirmed
    elsewhere = sign(anon, other, name="Hal", country="Kenya", **organisation_fields("Club"))
    assert totals(statement) == {"received": 7}
    assert_tallies_match_a_recount()

    for signature in (ana, ben, cai, dee, union, guild, elsewhere):
        actions.do_confirm(signature)
    assert totals(statement) == {"received": 7, "confirmed": 6, "visible": 4}
    assert countries(statement) == {"mexico": 2, "chile": 3, "": 1}
    assert totals(other) == {"received": 1, "confirmed": 1, "visible": 1}
    assert_tallies_match_a_recount()

    actions.do_approve(Signature.objects.filter(pk=union.pk), actor=None)
    actions.do_reject(Signature.objects.filter(pk=guild.pk), actor=None)
    assert totals(statement) == {"received": 7, "confirmed": 6, "visible": 5}
    assert_tallies_match_a_recount()

    # Withdrawn: out of the confirmed and visible tallies, and out of its country; it did arrive.
    actions.do_withdraw(Signature.objects.get(pk=dee.pk))
    assert totals(statement) == {"received": 7, "confirmed": 5, "visible": 4}
    assert countries(statement) == {"mexico": 2, "chile": 2, "": 1}
    assert_tallies_match_a_recount()

    # A signer corrects their country; the editors record an organisation (visible, not a
    # sign-on through the form); a count-only signer is forgotten (their country goes).
    ben = Signature.objects.get(pk=ben.pk)
    actions.do_correct(ben, {"name": "Ben", "role": "", "country": "Chile", "comment": "",
                             "show_name": True})
    actions.do_record_organisation(statement, "Recorded Alliance")
    data_rights.erase(cai.email)
    assert totals(statement) == {"received": 7, "confirmed": 5, "visible": 5}
    assert countries(statement) == {"mexico": 1, "chile": 2, "": 2}
    assert_tallies_match_a_recount()
    assert never.status == Signature.Status.UNCONFIRMED
    # The days are the site's: every hour row carries its date in Mexico City.
    for row in SignOnTally.objects.all():
        assert row.day == row.hour.astimezone(tallies.site_zone()).date()
        assert (row.hour.minute, row.hour.second) == (0, 0)


@pytest.mark.django_db
def test_a_batch_of_sign_ons_is_counted_with_one_upsert(anon, statement, monkeypatch,
                                                       django_assert_max_num_queries) -> None:
    monkeypatch.setattr(intake, "APPLY_INTERVAL", 3600)
    monkeypatch.setattr(intake, "_last_applied", float("inf"))
    from tests.signatures.conftest import post_sign

    for n in range(30):
        post_sign(anon, statement, email=f"b{n}@example.org", country=["Chile", "Peru"][n % 2],
                  language=["en", "es"][n % 2], ip=f"198.51.100.{n + 1}",
                  **(organisation_fields(f"Org {n}") if n % 3 == 0 else {}))
    assert not SignOnTally.objects.exists()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert intake.apply_pending() == 30
    upserts = [q["sql"] for q in queries.captured_queries
               if "signontally" in q["sql"].lower() and q["sql"].upper().startswith("INSERT")]
    assert len(upserts) == 1
    assert totals(statement) == {"received": 30}
    # Four groups: two kinds in two languages.
    assert SignOnTally.objects.filter(statement=statement).count() == 4
    assert_tallies_match_a_recount()


@pytest.mark.django_db
def test_increments_add_up_on_an_existing_row(statement) -> None:
    hour = datetime(2026, 3, 1, 14, tzinfo=UTC)
    for _ in range(3):
        tallies._add_hours({(statement.pk, hour, "individual", "en"):
                            Counter(received=2, confirmed=1)})
    row = SignOnTally.objects.get()
    assert (row.received, row.confirmed, row.visible) == (6, 3, 0)


@pytest.mark.parametrize(("typed", "key", "label"), [
    ("  México ", "mexico", "Mexico"),
    ("MEXICO.", "mexico", "Mexico"),
    ("U.S.A.", "usa", "Usa"),
    ("united   states", "united states", "United States"),
    ("Côte d'Ivoire", "cote d ivoire", "Cote D Ivoire"),
    ("España", "espana", "Espana"),
    ("", "", ""),
    ("x" * 150, "x" * 100, "X" + "x" * 99),
])
def test_countries_are_grouped_by_a_normalised_key(typed, key, label) -> None:
    assert tallies.country_key(typed) == key
    assert tallies.country_label(key) == label


@pytest.mark.django_db(transaction=True)
def test_the_migration_backfills_from_the_signatures_and_reverses() -> None:
    statement = make_statement(signature_moderation="none")
    apps = migrate(("signatures", "0005_news_consent"))
    try:
        Signature_ = apps.get_model("signatures", "Signature")
        confirmed = datetime(2026, 2, 3, 10, 30, tzinfo=UTC)
        for n, (status, country) in enumerate([("visible", "Chile"), ("visible", "chile "),
                                               ("held", "Peru"), ("withdrawn", ""),
                                               ("unconfirmed", "Peru")]):
            signature = Signature_.objects.create(
                statement_id=statement.pk, kind="individual", status=status, name=f"P{n}",
                email=f"p{n}@example.org" if status != "withdrawn" else "", country=country,
                language="en", confirmed_at=None if status == "unconfirmed" else confirmed)
            Signature_.objects.filter(pk=signature.pk).update(created_at=confirmed)
        apps = migrate(("signatures", "0006_tallies"))
        SignOnTally_ = apps.get_model("signatures", "SignOnTally")
        CountryTally_ = apps.get_model("signatures", "CountryTally")
        row = SignOnTally_.objects.get()
        assert (row.hour, row.received, row.confirmed, row.visible) == (
            datetime(2026, 2, 3, 10, tzinfo=UTC), 5, 3, 2)
        assert {c.country: c.confirmed for c in CountryTally_.objects.all()} == {
            "chile": 2, "peru": 1}
        migrate(("signatures", "0005_news_consent"))  # reversible
        apps = migrate(("signatures", "0006_tallies"))
        assert apps.get_model("signatures", "SignOnTally").objects.count() == 1
    finally:
        migrate()
    assert_tallies_match_a_recount()
