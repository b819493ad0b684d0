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
from core.text import clean_text
from signatures.actions import counts
from signatures.forms import SignForm
from signatures.models import Signature, SignatureQuerySet, sort_key
from statements.models import Statement

SECTION_SIZE = 50
PAGE_SIZE = 100
# Someone searching looks for one name; a shorter page is a quarter of the render, and searches
# are the list pages no cache answers.
SEARCH_PAGE_SIZE = 25
ORDERS = ("confirmed", "name")
MAX_QUERY_LENGTH = 100
# The query parameters list_page reads (the page cache keys by them; it stores only pages
# without ``after``, see views.signatories).
LIST_PARAMETERS = ("kind", "order", "after", "q")


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
        "pow": proof_of_work.pow_required(statement) or statement.surge_active(),
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


def _cursor_pk(text: str) -> int:
    """Only the spelling _cursor writes: "05" or " 5" would be the same page under another
    URL, and every such URL a page the cache would have to keep."""
    if not text.isascii() or not text.isdigit() or str(int(text)) != text:
        raise BadListQuery(text)
    return int(text)


def _after(queryset: SignatureQuerySet, statement: Statement, order: str, cursor: str
           ) -> SignatureQuerySet:
    """Rows after the cursor, which must name a signature of this statement as _cursor wrote
    it. The ``>=`` on the leading column lets the index seek."""
    if order == "confirmed":
        pk = _cursor_pk(cursor)
        anchor = Signature.objects.filter(statement=statement, pk=pk).values_list(
            "confirmed_at", flat=True).first()
        if anchor is None:
            raise BadListQuery(cursor)
        return queryset.filter(confirmed_at__gte=anchor).filter(
            Q(confirmed_at__gt=anchor) | Q(id__gt=pk))
    pk_text, _sep, name = cursor.partition("~")
    pk = _cursor_pk(pk_text)
    if not Signature.objects.filter(statement=statement, pk=pk, sort_name=name).exists():
        raise BadListQuery(cursor)
    return queryset.filter(sort_name__gte=name).filter(Q(sort_name__gt=name) | Q(id__gt=pk))


def prefix_end(key: str) -> str | None:
    """The smallest string above every string that starts with ``key``, in code point order
    (SQLite's BINARY collation; the "C" collation migration 0003 gives the column on
    PostgreSQL), or None when there is none. ``key <= x < prefix_end(key)`` is then exactly
    "x starts with key", as a range an index can seek."""
    trimmed = key.rstrip(chr(0x10FFFF))
    if not trimmed:
        return None
    following = ord(trimmed[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates are not characters a database stores
        following = 0xE000
    return trimmed[:-1] + chr(following)


def search(queryset: SignatureQuerySet, query: str) -> SignatureQuerySet:
    """Names that start with ``query``, case- and accent-insensitively (the sort key's rule):
    a range on ``sort_name`` that the list's alphabetical index (signature_list_alpha) walks,
    never a scan of the statement's signatures (docs/decisions.md, "Signatory search")."""
    key = sort_key(query)
    if not key:
        return queryset
    end = prefix_end(key)
    queryset = queryset.filter(sort_name__gte=key)
    return queryset.filter(sort_name__lt=end) if end is not None else queryset


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
        queryset = search(queryset, query)
        # Results come in the order of the index that finds them: sorting a common prefix's
        # thousands of matches by date would be the scan the index is there to avoid.
        order = "name"
    if cursor:
        queryset = _after(queryset, statement, order, cursor)
    ordering = ("confirmed_at", "id") if order == "confirmed" else ("sort_name", "id")
    size = SEARCH_PAGE_SIZE if query else PAGE_SIZE
    rows = list(queryset.order_by(*ordering)[:size + 1])
    entries = rows[:size]
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
        next_url=url(after=_cursor(order, entries[-1])) if len(rows) > size else "",
        first_url=url() if cursor else "",
    )
    page.kinds = [{"value": value, "label": label, "current": value == kind}
                  for value, label in Signature.Kind.choices]
    return page
