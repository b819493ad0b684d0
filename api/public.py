"""What the API reads: public statements as petitions, their signatures, and — for a token
holding ``read_private`` only — the people who agreed to be contacted (docs/api.md).

Every list is a keyset walk (``api.paging``); totals come from the signature counters, or, for
what no counter keeps (a filtered list, the people), from a walk of at most ``COUNT_CAP`` ids:
never COUNT(*) over a statement's million signatures. What a resource shows is decided in
``api.representations`` alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from api import representations
from api.filters import Comparison
from api.paging import Order, Page, PageRequest, walk
from signatures.actions import counts
from signatures.models import Signature, SignatureCounter
from statements.models import Statement, StatementIssuer, Translation

# A total no counter keeps is counted up to this many ids: past it, total_records says this
# many and ``undersigned:total_capped`` says there are more.
COUNT_CAP = 10_000
# A primary key the databases can hold: a larger number in a URL is a missing resource, not
# an overflow inside the database driver.
MAX_ID = 2**63 - 1

PETITION_ORDER = Order(None)
SIGNATURE_ORDER = Order("confirmed_at")
PERSON_ORDER = Order(None)


@dataclass
class Listing:
    resources: list[dict[str, Any]]
    page: Page
    total_records: int
    capped: bool = False


def _capped_count(querysets: Sequence[QuerySet]) -> tuple[int, bool]:
    """Ids read from the index, at most COUNT_CAP + 1 in all: a bounded walk, not COUNT(*)."""
    found = 0
    for queryset in querysets:
        found += len(queryset.values_list("id", flat=True)[:COUNT_CAP + 1 - found])
        if found > COUNT_CAP:
            break
    return min(found, COUNT_CAP), found > COUNT_CAP


def _filtered(queryset: QuerySet, comparisons: list[Comparison]) -> QuerySet:
    for comparison in comparisons:
        queryset = queryset.filter(**comparison.as_lookup())
    return queryset


# --- petitions ---------------------------------------------------------------------------------

def public_statements() -> QuerySet:
    """The statements whose page anyone may read (published, closed, archived), never a
    draft: the same rule as the statement page's (``Statement.is_public``)."""
    return Statement.objects.public()


def _with_parts(queryset: QuerySet) -> QuerySet:
    """What a petition's resource shows besides its row: one query each, for the whole page."""
    return queryset.select_related("featured_image").prefetch_related(
        Prefetch("issuer_links", queryset=StatementIssuer.objects.select_related("organisation")),
        Prefetch("translations", queryset=Translation.objects.only(
            "statement_id", "language", "title")))


def _totals(statements: list[Statement]) -> dict[int, int]:
    counters = SignatureCounter.objects.filter(statement__in=[s.pk for s in statements])
    return {counter.statement_id: counter.total for counter in counters}


def petitions(request: PageRequest, comparisons: list[Comparison]) -> Listing:
    queryset = _filtered(public_statements(), comparisons)
    page = walk([queryset], PETITION_ORDER, request, prepare=_with_parts)
    totals = _totals(page.rows)
    total, capped = _capped_count([queryset])
    return Listing([representations.petition(row, total_signatures=totals.get(row.pk, 0))
                    for row in page.rows], page, total, capped)


def public_statement(petition_id: int) -> Statement:
    if not 0 < petition_id <= MAX_ID:
        raise Http404
    statement = public_statements().filter(pk=petition_id).first()
    if statement is None:
        raise Http404
    return statement


def petition(petition_id: int) -> dict[str, Any]:
    statement = _with_parts(public_statements()).filter(pk=petition_id).first() \
        if 0 < petition_id <= MAX_ID else None
    if statement is None:
        raise Http404
    return representations.petition(statement, total_signatures=counts(statement).total)


# --- signatures --------------------------------------------------------------------------------

def _signature_lanes(statement: Statement, *, private: bool) -> list[QuerySet]:
    """The visible signatures the caller may list, one queryset per walk of the public list's
    index (signature_list_confirmed: statement, kind, status, show_name, confirmed_at, id).
    Anonymous and ``read`` callers: the named ones, as the public list. ``read_private``: the
    count-only ones too (the counts include them), shown without a name."""
    visible = Signature.objects.filter(statement=statement, status=Signature.Status.VISIBLE,
                                       confirmed_at__isnull=False)
    shown = (True, False) if private else (True,)
    return [visible.filter(kind=kind, show_name=named)
            for kind in (Signature.Kind.ORGANISATION, Signature.Kind.INDIVIDUAL)
            for named in shown]


def _with_organisation(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("organisation")


def signatures(statement: Statement, request: PageRequest, comparisons: list[Comparison], *,
               private: bool) -> Listing:
    lanes = [_filtered(lane, comparisons) for lane in _signature_lanes(statement, private=private)]
    page = walk(lanes, SIGNATURE_ORDER, request, prepare=_with_organisation)
    if comparisons:
        total, capped = _capped_count(lanes)
    else:
        counter = counts(statement)
        total, capped = (counter.total if private else
                         counter.organisations_named + counter.individuals_named), False
    shown = statement.show_signature_comments
    return Listing([representations.signature(row, private=private, comments_shown=shown)
                    for row in page.rows], page, total, capped)


def signature(statement: Statement, signature_id: int, *, private: bool) -> tuple[
        Signature, dict[str, Any]]:
    row = None
    if 0 < signature_id <= MAX_ID:
        for lane in _signature_lanes(statement, private=private):
            row = row or _with_organisation(lane).filter(pk=signature_id).first()
    if row is None:
        raise Http404
    return row, representations.signature(row, private=private,
                                          comments_shown=statement.show_signature_comments)


# --- people (read_private only) ----------------------------------------------------------------

def contactable() -> QuerySet:
    """Signers who confirmed and agreed to be contacted by the coalition
    (``representations.may_contact``, as a query)."""
    # One status is compared with "=": SQLite uses the partial index of these signers
    # (signature_contactable) only when the query's terms match its condition, and an IN does not.
    statuses = representations.PERSON_STATUSES
    by_status = Q(status=statuses[0]) if len(statuses) == 1 else Q(status__in=statuses)
    return (Signature.objects.filter(by_status, wants_contact=True, confirmed_at__isnull=False)
            .exclude(email=""))


def people(request: PageRequest, comparisons: list[Comparison]) -> tuple[Listing, list[int]]:
    queryset = _filtered(contactable(), comparisons)
    page = walk([queryset], PERSON_ORDER, request)
    total, capped = _capped_count([queryset])
    rows = [row for row in page.rows if representations.may_contact(row)]
    return (Listing([representations.person(row) for row in rows], page, total, capped),
            [row.pk for row in rows])


def person(person_id: int) -> dict[str, Any]:
    row = contactable().filter(pk=person_id).first() if 0 < person_id <= MAX_ID else None
    if row is None or not representations.may_contact(row):
        raise Http404
    return representations.person(row)
