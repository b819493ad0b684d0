"""Builders for the reach tests: statements with translations, revisions and signatures; the
sign-on tests' fixtures (a signed, mailed sign-on; an editor's client) for sharing."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from signatures.actions import reconcile_counts
from signatures.models import Signature
from statements.models import Statement, Translation
from tests.signatures.conftest import editor_client, signed  # noqa: F401


def translate(statement: Statement, language: str, title: str, summary: str = "") -> Translation:
    return Translation.objects.create(statement=statement, language=language, title=title,
                                      summary=summary, body=f"{title}.")


def add_signatures(statement: Statement, count: int, *, start: int = 0,
                   **fields: object) -> list[Signature]:
    """``count`` visible signatures confirmed a minute apart, then the counters recomputed as
    the actions keep them (signatures.actions)."""
    first = timezone.now() - timedelta(days=1)
    created = []
    for n in range(start, start + count):
        values = {"kind": Signature.Kind.INDIVIDUAL, "name": f"Signer {n}",
                  "email": f"signer{n}@example.org", "show_name": True, **fields}
        created.append(Signature.objects.create(
            statement=statement, status=Signature.Status.VISIBLE,
            confirmed_at=first + timedelta(minutes=n), **values))
    reconcile_counts([statement])
    return created
