"""Unlink hidden organisation sign-ons from Organisation records, and remove the records that
are then left without any public reference (issue 14, item 1).

Until now every organisation sign-on found or created an Organisation record, and so a page at
an address anyone can guess from the name (/organisation/<slug>/), even when the organisation
chose not to be shown, and the record stayed when the sign-on was withdrawn, erased, rejected
or never confirmed. The code now links only a visible sign-on that shows its name
(``signatures.actions._link_organisation``) and removes what a change leaves behind
(``statements.actions.remove_orphaned_organisations``). This brings existing data to the same
state:

1. Organisation sign-ons that do not show their name, or are not visible (unconfirmed, held,
   rejected, withdrawn), lose their link. Never those recorded by the editors (source
   "editor", ``signed_on``): the editors chose to name those. Their ``sort_name`` is set to
   what ``Signature.save`` now gives an unlinked organisation sign-on (its typed name).
2. Every Organisation record left without a public reference is deleted, by the rule of
   ``remove_orphaned_organisations`` (written out below). This also catches records whose
   links the old withdrawal and erasure code had already set to null.

Reverse is a no-op: the links tied a hidden organisation's name to a record and a page; they
are gone on purpose and must not come back (nor could they: the deleted records are gone).
Cached copies of the pages concerned are not touched here: the view no longer shows such a
record (it answers 404), and no cached page outlives PAGE_TTL_SECONDS (statements.pages).
"""

import unicodedata

from django.db import migrations
from django.db.models import Exists, OuterRef, Q

BATCH = 1000


def _sort_key(text):  # noqa: ANN001, ANN202
    """signatures.models.sort_key as of this migration (migrations import no app code)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()[:200]


def unlink_hidden_organisations(apps, schema_editor):  # noqa: ANN001, ANN201
    Signature = apps.get_model("signatures", "Signature")
    Organisation = apps.get_model("statements", "Organisation")
    StatementIssuer = apps.get_model("statements", "StatementIssuer")

    # 1. Hidden or not visible organisation sign-ons, except the editors' own records.
    hidden = (Signature._base_manager
              .filter(kind="organisation", organisation__isnull=False)
              .filter(Q(show_name=False) | ~Q(status="visible"))
              .exclude(source="editor"))
    pks = list(hidden.values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        batch = pks[start:start + BATCH]
        Signature._base_manager.filter(pk__in=batch).update(organisation=None)
        changed = []
        for signature in (Signature._base_manager.filter(pk__in=batch)
                          .only("pk", "organisation_name", "sort_name")):
            sort_name = _sort_key(signature.organisation_name)
            if signature.sort_name != sort_name:
                signature.sort_name = sort_name
                changed.append(signature)
        Signature._base_manager.bulk_update(changed, ["sort_name"])

    # 2. Records without a public reference. The same rule as
    # statements.actions.remove_orphaned_organisations — keep in step with it. Kept: an
    # organisation that issues a statement (drafts included), one with a signature recorded by
    # the editors, one the editors described (a website or a description), and one with a
    # visible signature that shows its name.
    signatures = Signature._base_manager.filter(organisation=OuterRef("pk"))
    orphans = (Organisation._base_manager.filter(website="", description="")
               .exclude(Exists(StatementIssuer._base_manager.filter(organisation=OuterRef("pk"))))
               .exclude(Exists(signatures.filter(source="editor")))
               .exclude(Exists(signatures.filter(status="visible", show_name=True))))
    orphan_pks = list(orphans.values_list("pk", flat=True))
    for start in range(0, len(orphan_pks), BATCH):
        # Through the collector: any links that remain (not public ones) are set to null.
        Organisation._base_manager.filter(pk__in=orphan_pks[start:start + BATCH]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("signatures", "0003_sort_name_code_point_order"),
        ("statements", "0003_statement_surge_mode"),
    ]

    operations = [
        migrations.RunPython(unlink_hidden_organisations, migrations.RunPython.noop,
                             elidable=False),
    ]
