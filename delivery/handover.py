"""The list to hand over: what it holds and the order it holds it in, read in chunks.

The statement's text in one published language, its issuers, then the organisations and the
people who signed and chose to be named (visible signatures only: confirmed, approved, not
withdrawn), then how many chose not to be named. Names come from one keyset walk per kind of
the list's alphabetical index (``signature_list_alpha``), CHUNK rows at a time: 100,000 names
never sit in memory at once, and the printable page and the PDF both stream them
(docs/delivery.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from signatures.actions import counts
from signatures.models import Signature
from statements.actions import current_revision
from statements.models import Organisation, Statement, Translation

CHUNK = 2000


class UnknownLanguage(Exception):
    """The list was asked for in a language the statement is not published in."""


@dataclass(frozen=True)
class Entry:
    """One named signatory as the list prints them: what the public list shows, no more."""

    name: str
    organisation: str
    role: str
    country: str
    # The revision this signer confirmed when it is not the current text's, else None.
    earlier_revision: int | None


@dataclass(frozen=True)
class Handover:
    statement: Statement
    version: Statement | Translation
    issuers: list[Organisation]
    revision_number: int | None
    revision_date: datetime | None
    organisations: int
    organisations_named: int
    individuals: int
    individuals_named: int
    made_at: datetime

    @property
    def language(self) -> str:
        return self.version.language

    @property
    def organisations_unnamed(self) -> int:
        return max(self.organisations - self.organisations_named, 0)

    @property
    def individuals_unnamed(self) -> int:
        return max(self.individuals - self.individuals_named, 0)

    @property
    def total(self) -> int:
        return self.organisations + self.individuals


def languages(statement: Statement) -> list[str]:
    """The published language versions, the canonical first."""
    return [statement.language, *statement.translations.exclude(language=statement.language)
            .order_by("language").values_list("language", flat=True)]


def version_in(statement: Statement, language: str) -> Statement | Translation:
    """The text in ``language`` (the canonical one when empty); UnknownLanguage otherwise."""
    if not language or language == statement.language:
        return statement
    translation = statement.translations.filter(language=language[:12]).first()
    if translation is None:
        raise UnknownLanguage(language)
    return translation


def handover(statement: Statement, language: str = "") -> Handover:
    """The list's heading parts and counts; the names are read by ``entries``."""
    version = version_in(statement, language)
    revision = current_revision(statement)
    counter = counts(statement)
    return Handover(
        statement=statement, version=version, issuers=statement.ordered_issuers(),
        revision_number=revision.number if revision else None,
        revision_date=revision.created_at if revision else None,
        organisations=counter.organisations, organisations_named=counter.organisations_named,
        individuals=counter.individuals, individuals_named=counter.individuals_named,
        made_at=timezone.now())


_FIELDS = ("id", "sort_name", "name", "organisation__name", "organisation_name", "role",
           "country", "revision__number")


def entries(listing: Handover, kind: str) -> Iterator[list[Entry]]:
    """The named, visible signatories of ``kind`` in alphabetical order, CHUNK at a time:
    each chunk one index seek past the last row of the one before (never OFFSET)."""
    current = listing.revision_number
    queryset = (Signature.objects.filter(statement=listing.statement, kind=kind).visible()
                .named().order_by("sort_name", "id"))
    is_organisation = kind == Signature.Kind.ORGANISATION
    after: tuple[str, int] | None = None
    while True:
        page = queryset
        if after is not None:
            name, pk = after
            page = page.filter(sort_name__gte=name).filter(Q(sort_name__gt=name) | Q(id__gt=pk))
        rows = list(page.values_list(*_FIELDS)[:CHUNK])
        if not rows:
            return
        yield [_entry(row, is_organisation, current) for row in rows]
        if len(rows) < CHUNK:
            return
        after = (rows[-1][1], rows[-1][0])


def _entry(row: tuple, is_organisation: bool, current: int | None) -> Entry:
    (_pk, _sort, name, linked_name, organisation_name, role, country, revision) = row
    earlier = revision if (revision is not None and current is not None
                           and revision != current) else None
    if is_organisation:
        # For an organisation the person who signed for it is never public (signatures/public).
        return Entry(name=linked_name or organisation_name, organisation="", role="",
                     country=country, earlier_revision=earlier)
    return Entry(name=name, organisation=organisation_name, role=role, country=country,
                 earlier_revision=earlier)


def entry_text(entry: Entry) -> str:
    """One signatory on one line, as the public list writes them: "Name, Organisation (role),
    Country"."""
    text = entry.name
    if entry.organisation:
        text += f", {entry.organisation}"
    if entry.role:
        text += f" ({entry.role})"
    if entry.country:
        text += f", {entry.country}"
    return text
