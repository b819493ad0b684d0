"""signatures/migrations/0004 (issue 14, item 1): the Organisation records the old code made
from hidden or no longer visible organisation sign-ons lose those links, and the records left
without any public reference go, by the rule of remove_orphaned_organisations."""

from __future__ import annotations

import pytest

from tests.conftest import make_statement
from tests.migrations import migrate

# Migrating needs the schema editor, which SQLite refuses inside the test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("signatures", "0003_sort_name_code_point_order")
AFTER = ("signatures", "0004_unlink_hidden_organisations")


def test_the_migration_unlinks_hidden_sign_ons_and_removes_the_records_left_behind() -> None:
    statement_pk = make_statement(issuers=("River Keepers",)).pk
    apps = migrate(BEFORE)
    try:
        Organisation = apps.get_model("statements", "Organisation")
        Signature = apps.get_model("signatures", "Signature")

        def organisation(name: str, **fields) -> int:
            slug = name.lower().replace(" ", "-")
            return Organisation.objects.get_or_create(slug=slug, defaults={"name": name,
                                                                             **fields})[0].pk

        def sign(email: str, organisation_pk: int, typed: str, **fields) -> int:
            values = {"statement_id": statement_pk, "kind": "organisation", "status": "visible",
                      "source": "form", "show_name": True, "email": email, "name": "Rosa",
                      "organisation_name": typed, "organisation_id": organisation_pk,
                      "sort_name": typed.casefold(), **fields}
            return Signature.objects.create(**values).pk

        # As the old code left them: a record for every organisation sign-on.
        quiet = organisation("Quiet Cooperative")
        hidden = sign("quiet@example.org", quiet, "quiet co-operative", show_name=False,
                      sort_name="quiet cooperative")
        gone = organisation("Gone Cooperative")
        withdrawn = sign("", gone, "", status="withdrawn", name="")
        pending = organisation("Pending Union")
        held = sign("held@example.org", pending, "Pending Union", status="held")
        erased = organisation("Erased Collective")  # its link was nulled by the old erasure
        shown = organisation("Open Alliance")
        visible = sign("open@example.org", shown, "Open Alliance")
        issuer = organisation("River Keepers")
        hidden_issuer = sign("river@example.org", issuer, "River Keepers", show_name=False)
        recorded = organisation("Recorded Federation")
        by_editors = sign("", recorded, "Recorded Federation", source="editor",
                          status="rejected")
        described = organisation("Described Guild", website="https://guild.example.org")
        hidden_described = sign("guild@example.org", described, "Described Guild",
                                status="unconfirmed")
        # A hidden sign-on does not take down a record another sign-on shows.
        also_shown = sign("open2@example.org", shown, "Open Alliance", show_name=False)

        apps = migrate(AFTER)
        Organisation = apps.get_model("statements", "Organisation")
        Signature = apps.get_model("signatures", "Signature")

        assert set(Organisation.objects.values_list("pk", flat=True)) == {
            shown, issuer, recorded, described}
        assert not Organisation.objects.filter(pk__in=[quiet, gone, pending, erased]).exists()
        links = dict(Signature.objects.values_list("pk", "organisation_id"))
        assert links == {hidden: None, withdrawn: None, held: None, visible: shown,
                         hidden_issuer: None, by_editors: recorded, hidden_described: None,
                         also_shown: None}
        # Listed (and found) by the name typed, as Signature.save now sorts it.
        assert Signature.objects.get(pk=hidden).sort_name == "quiet co-operative"
        assert Signature.objects.get(pk=visible).sort_name == "open alliance"
    finally:
        migrate()
