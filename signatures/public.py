"""What the public sees of a statement's signatory list, and the sign-on form.

Everything here is the same for every anonymous visitor (the page is cached whole): no
per-visitor token, nothing about who is asking. Counts come from the counters, never COUNT(*);
lists walk an index with a keyset cursor, never OFFSET.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, QueryDict
from django.urls import get_script_prefix, reverse
from django.utils.http import urlencode
from django.utils.translation import get_language

from core import proof_of_work, protection
from signatures.actions import counts
from signatures.forms import SignForm, clean_text
from signatures.models import Signature, SignatureQuerySet, sort_key
from statements.models import Statement

SECTION_SIZE = 50
PAGE_SIZE = 100
ORDERS = ("confirmed", "name")
MAX_QUERY_LENGTH = 100


class BadListQuery(Exception):
    pass


def listed(statement: Statement, kind: str) -> SignatureQuerySet:
    """Named, visible signatures of one kind: the rows the public list shows."""
    return Signature.objects.filter(statement=statement, kind=kind).visible().named()


def _first(statement: Statement, kind: str, size: int) -> tuple[list[Signature], bool]:
    rows = list(listed(statement, kind).select_related("organisation")
                .order_by("confirmed_at", "id")[:size + 1])
    return rows[:size], len(rows) > size


def sent_url(statement: Statement, *, resent: bool = False) -> str:
    url = _sent_path(get_language(), get_script_prefix(), statement.slug)
    return url + "?resent=1" if resent else url


@functools.lru_cache(maxsize=1024)
def _sent_path(language: str, script_prefix: str, slug: str) -> str:
    """Where every sign-on of a statement is sent, per language (reversed once, not per
    sign-on); the arguments are everything the reversed URL depends on."""
    return reverse("signatures:sent", args=[slug])


def closed_reason(statement: Statement) -> str:
    if statement.is_open_for_signing:
        return ""
    if statement.status == Statement.Status.PUBLISHED:
        return "deadline"
    return "closed"


def form_context(statement: Statement) -> dict[str, Any]:
    """What the form needs besides its fields: the same for every visitor in a time window."""
    return {
        "statement": statement,
        "form_token": protection.form_token("sign", statement.pk),
        "honeypot": protection.HONEYPOT_FIELD,
        "pow": proof_of_work.pow_required(statement),
        "closed": closed_reason(statement),
    }


def signatory_section(statement: Statement, request: HttpRequest) -> dict[str, Any]:
    counter = counts(statement)
    organisations, more_organisations = _first(statement, Signature.Kind.ORGANISATION,
                                               SECTION_SIZE)
    individuals, more_individuals = _first(statement, Signature.Kind.INDIVIDUAL, SECTION_SIZE)
    goal = statement.signature_goal or 0
    return {
        **form_context(statement),
        "form": SignForm(),
        "counter": counter,
        "goal": goal,
        "goal_value": min(counter.total, goal),
        "organisations": organisations,
        "individuals": individuals,
        "more": more_organisations or more_individuals,
        "other_organisations": max(counter.organisations - len(organisations), 0),
        "other_individuals": max(counter.individuals - len(individuals), 0),
        "show_comments": statement.show_signature_comments,
        "list_url": reverse("signatures:list", args=[statement.slug]),
    }


@dataclass
class ListPage:
    kind: str
    order: str
    query: str
    entries: list[Signature]
    total: int
    named: int
    show_comments: bool
    next_url: str = ""
    first_url: str = ""
    kinds: list[dict[str, Any]] = field(default_factory=list)

    @property
    def unnamed(self) -> int:
        return max(self.total - self.named, 0)


def _cursor(order: str, row: Signature) -> str:
    return f"{row.pk}" if order == "confirmed" else f"{row.pk}~{row.sort_name}"


def _after(queryset: SignatureQuerySet, statement: Statement, order: str, cursor: str
           ) -> SignatureQuerySet:
    """Rows after the cursor. The ``>=`` on the leading column lets the index seek."""
    try:
        if order == "confirmed":
            pk = int(cursor)
            anchor = Signature.objects.filter(statement=statement, pk=pk).values_list(
                "confirmed_at", flat=True).first()
            if anchor is None:
                raise BadListQuery(cursor)
            return queryset.filter(confirmed_at__gte=anchor).filter(
                Q(confirmed_at__gt=anchor) | Q(id__gt=pk))
        pk_text, _sep, name = cursor.partition("~")
        pk = int(pk_text)
    except ValueError as exc:
        raise BadListQuery(cursor) from exc
    return queryset.filter(sort_name__gte=name).filter(Q(sort_name__gt=name) | Q(id__gt=pk))


def list_page(statement: Statement, params: QueryDict) -> ListPage:
    kind = params.get("kind") or Signature.Kind.INDIVIDUAL
    order = params.get("order") or "confirmed"
    if kind not in Signature.Kind.values or order not in ORDERS:
        raise BadListQuery(kind)
    try:
        query = clean_text(params.get("q", ""))[:MAX_QUERY_LENGTH]
    except ValidationError as exc:
        raise BadListQuery("q") from exc
    cursor = params.get("after", "")[:300]
    queryset = listed(statement, kind).select_related("organisation")
    if query:
        queryset = queryset.filter(sort_name__contains=sort_key(query))
    if cursor:
        queryset = _after(queryset, statement, order, cursor)
    ordering = ("confirmed_at", "id") if order == "confirmed" else ("sort_name", "id")
    rows = list(queryset.order_by(*ordering)[:PAGE_SIZE + 1])
    entries = rows[:PAGE_SIZE]
    counter = counts(statement)
    is_org = kind == Signature.Kind.ORGANISATION
    base = reverse("signatures:list", args=[statement.slug])

    def url(**extra: str) -> str:
        values = {"kind": kind, "order": order, "q": query, **extra}
        return base + "?" + urlencode({k: v for k, v in values.items() if v})

    page = ListPage(
        kind=kind, order=order, query=query, entries=entries,
        total=counter.organisations if is_org else counter.individuals,
        named=counter.organisations_named if is_org else counter.individuals_named,
        show_comments=statement.show_signature_comments,
        next_url=url(after=_cursor(order, entries[-1])) if len(rows) > PAGE_SIZE else "",
        first_url=url() if cursor else "",
    )
    page.kinds = [{"value": value, "label": label, "current": value == kind}
                  for value, label in Signature.Kind.choices]
    return page
