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
from django.db.models import F, Q
from django.http import HttpRequest, QueryDict
from django.urls import get_script_prefix, reverse
from django.utils.http import urlencode
from django.utils.translation import get_language

from core import proof_of_work, protection
from core.text import clean_text
from signatures.actions import counts
from signatures.forms import SignForm
from signatures.models import Signature, SignatureQuerySet, sort_key
from statements.models import Revision, Statement

# The statement page names the first organisations and the latest people, no more: a phone
# reader scrolls past the list to the discussion, and the full list is one link away.
SECTION_ORGANISATIONS = 20
SECTION_INDIVIDUALS = 20
PAGE_SIZE = 100
# Someone searching looks for one name; a shorter page is a quarter of the render, and searches
# are the list pages no cache answers.
SEARCH_PAGE_SIZE = 25
# A search says how many names match, counting at most this many index entries: "more than
# 1,000 match" costs the same at a million signatures as at two thousand.
SEARCH_COUNT_CAP = 1000
ORDERS = ("confirmed", "name")
MAX_QUERY_LENGTH = 100
# The query parameters list_page reads (the page cache keys by them; it stores only pages
# without a cursor, see views.signatories).
LIST_PARAMETERS = ("kind", "order", "after", "before", "page", "q")
CURSOR_PARAMETERS = ("after", "before", "page")


class BadListQuery(Exception):
    pass


def listed(statement: Statement, kind: str) -> SignatureQuerySet:
    """Named, visible signatures of one kind: the rows the public list shows."""
    return Signature.objects.filter(statement=statement, kind=kind).visible().named()


def _first(statement: Statement, kind: str, size: int, *, latest: bool = False
           ) -> list[Signature]:
    """The first ``size`` to sign, or with ``latest`` the last ``size`` (newest first): one
    walk of the list's index from either end."""
    ordering = ("-confirmed_at", "-id") if latest else ("confirmed_at", "id")
    return list(with_signed_revision(statement, listed(statement, kind))
                .select_related("organisation").order_by(*ordering)[:size])


# --- which text each signer signed (docs/statements.md, "Revisions and history") ------------

@dataclass(frozen=True)
class CurrentText:
    """The statement's current text, as signatures record it: the newest revision of its
    canonical language (``statements.actions.current_revision``)."""

    revision_id: int
    number: int
    history_url: str


def with_signed_revision(statement: Statement, queryset: SignatureQuerySet
                         ) -> SignatureQuerySet:
    """Where the editors show which text each signer signed, the list's own query also reads
    the number of the revision each signer confirmed (no query per row)."""
    if not statement.show_signed_revision:
        return queryset
    return queryset.annotate(signed_revision=F("revision__number"))


def current_text(statement: Statement) -> CurrentText | None:
    """None when the list marks nobody: the editors did not ask, or there is no revision."""
    if not statement.show_signed_revision:
        return None
    current = (Revision.objects.filter(statement=statement, language=statement.language)
               .order_by("-number").values_list("id", "number").first())
    if current is None:
        return None
    return CurrentText(current[0], current[1],
                       reverse("statements:history-version",
                               args=[statement.slug, statement.language]))


def mark_earlier_texts(rows: list[Signature], current: CurrentText | None) -> bool:
    """Mark (``signed_earlier``) each row whose signer confirmed an earlier revision than the
    current one; a signature with no recorded revision (kept from before revisions existed)
    is not marked, since nothing says what it signed. Returns whether any row is marked."""
    marked = False
    for row in rows:
        earlier = (current is not None and row.revision_id is not None
                   and row.revision_id != current.revision_id)
        row.signed_earlier = earlier  # type: ignore[attr-defined]  # read by _entry.html
        marked = marked or earlier
    return marked


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
    organisations = _first(statement, Signature.Kind.ORGANISATION, SECTION_ORGANISATIONS)
    individuals = _first(statement, Signature.Kind.INDIVIDUAL, SECTION_INDIVIDUALS, latest=True)
    goal = statement.signature_goal or 0
    current = current_text(statement)
    earlier = mark_earlier_texts([*organisations, *individuals], current)
    return {
        **form_context(statement),
        # An editor previewing a draft sees the form as readers will, but disabled.
        "preview": statement.status == Statement.Status.DRAFT,
        "form": SignForm(),
        "counter": counter,
        "goal": goal,
        "goal_value": min(counter.total, goal),
        "organisations": organisations,
        "individuals": individuals,
        "other_organisations": max(counter.organisations - len(organisations), 0),
        "other_individuals": max(counter.individuals - len(individuals), 0),
        "show_comments": statement.show_signature_comments,
        "list_url": reverse("signatures:list", args=[statement.slug]),
        # The note that explains the marks, with the link to what changed.
        "earlier_texts_url": current.history_url if current and earlier else "",
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
    previous_url: str = ""
    first_url: str = ""
    # Which page this is (0: unknown, a link from before pages were numbered) and how many
    # there are (from the counters, or the bounded count of a search's matches).
    number: int = 1
    pages: int = 1
    # A search's matches, counted up to SEARCH_COUNT_CAP; ``matches_capped`` when there are more.
    matches: int = 0
    matches_capped: bool = False
    kinds: list[dict[str, Any]] = field(default_factory=list)
    # Where some entries are marked as having signed an earlier text: the statement's history.
    earlier_texts_url: str = ""

    @property
    def unnamed(self) -> int:
        return max(self.total - self.named, 0)

    @property
    def paginated(self) -> bool:
        return bool(self.next_url or self.previous_url)


def _cursor(order: str, row: Signature) -> str:
    return f"{row.pk}" if order == "confirmed" else f"{row.pk}~{row.sort_name}"


def _cursor_pk(text: str) -> int:
    """Only the spelling _cursor writes: "05" or " 5" would be the same page under another
    URL, and every such URL a page the cache would have to keep."""
    if not text.isascii() or not text.isdigit() or str(int(text)) != text:
        raise BadListQuery(text)
    return int(text)


def _beyond(queryset: SignatureQuerySet, statement: Statement, order: str, cursor: str,
            *, before: bool = False) -> SignatureQuerySet:
    """Rows after (or ``before``) the cursor, which must name a signature of this statement as
    _cursor wrote it. The ``>=`` (``<=``) on the leading column lets the index seek."""
    if order == "confirmed":
        pk = _cursor_pk(cursor)
        anchor = Signature.objects.filter(statement=statement, pk=pk).values_list(
            "confirmed_at", flat=True).first()
        if anchor is None:
            raise BadListQuery(cursor)
        if before:
            return queryset.filter(confirmed_at__lte=anchor).filter(
                Q(confirmed_at__lt=anchor) | Q(id__lt=pk))
        return queryset.filter(confirmed_at__gte=anchor).filter(
            Q(confirmed_at__gt=anchor) | Q(id__gt=pk))
    pk_text, _sep, name = cursor.partition("~")
    pk = _cursor_pk(pk_text)
    if not Signature.objects.filter(statement=statement, pk=pk, sort_name=name).exists():
        raise BadListQuery(cursor)
    if before:
        return queryset.filter(sort_name__lte=name).filter(Q(sort_name__lt=name) | Q(id__lt=pk))
    return queryset.filter(sort_name__gte=name).filter(Q(sort_name__gt=name) | Q(id__gt=pk))


def _page_number(text: str) -> int:
    """A page number as the links write it: 2 or more, no other spelling."""
    if not text:
        return 0
    number = _cursor_pk(text[:12])
    if number < 2 or len(text) > 9:
        raise BadListQuery(text)
    return number


def _count_matches(queryset: SignatureQuerySet) -> tuple[int, bool]:
    """How many rows match, read from the index up to SEARCH_COUNT_CAP, and whether there are
    more. Ids, not COUNT(*): the same bounded walk of the index on every database. Without
    the list's order: ordered by confirmation time, the database had to read and sort every
    match before the limit (1.3 s for "Person 0" at a million signatures)."""
    found = len(queryset.order_by().values_list("id", flat=True)[:SEARCH_COUNT_CAP + 1])
    return min(found, SEARCH_COUNT_CAP), found > SEARCH_COUNT_CAP


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
    after = params.get("after", "")[:300]
    before = params.get("before", "")[:300]
    number = _page_number(params.get("page", ""))
    if (after and before) or (number and not (after or before)):
        raise BadListQuery("cursor")
    cursor = after or before
    base_queryset = listed(statement, kind)
    if query:
        base_queryset = search(base_queryset, query)
        # Results come in the order of the index that finds them: sorting a common prefix's
        # thousands of matches by date would be the scan the index is there to avoid.
        order = "name"
    queryset = with_signed_revision(statement, base_queryset).select_related("organisation")
    if cursor:
        queryset = _beyond(queryset, statement, order, cursor, before=bool(before))
    ordering = ["confirmed_at", "id"] if order == "confirmed" else ["sort_name", "id"]
    if before:  # walk the index backwards from the cursor, then show the rows in order
        ordering = ["-" + column for column in ordering]
    size = SEARCH_PAGE_SIZE if query else PAGE_SIZE
    rows = list(queryset.order_by(*ordering)[:size + 1])
    entries = rows[:size]
    more = len(rows) > size  # beyond the page, in the direction walked
    if before:
        entries.reverse()
        if not more:  # nothing before these: this is the first page, whatever the link said
            number = 1
    elif not cursor:
        number = 1
    counter = counts(statement)
    is_org = kind == Signature.Kind.ORGANISATION
    named = counter.organisations_named if is_org else counter.individuals_named
    matches, capped = 0, False
    if query:
        matches, capped = ((len(entries), False) if not cursor and not more
                           else _count_matches(base_queryset))
    listed_total = matches if query else named
    base = reverse("signatures:list", args=[statement.slug])

    def url(**extra: str | int) -> str:
        values = {"kind": kind, "order": order, "q": query, **extra}
        return base + "?" + urlencode({k: v for k, v in values.items() if v})

    has_next = bool(entries) and (more if not before else True)
    has_previous = bool(cursor) and (more if before else True)
    previous_url = ""
    if has_previous:
        # The page before page 2 is the first page, under its own (cached) address.
        previous_url = (url() if number == 2 else
                        url(before=_cursor(order, entries[0]) if entries else "",
                            page=number - 1 if number else ""))
    page = ListPage(
        kind=kind, order=order, query=query, entries=entries,
        total=counter.organisations if is_org else counter.individuals,
        named=named,
        show_comments=statement.show_signature_comments,
        next_url=url(after=_cursor(order, entries[-1]), page=number + 1 if number else "")
        if has_next else "",
        previous_url=previous_url,
        first_url=url() if previous_url and previous_url != url() else "",
        number=number,
        # A page number past the counted pages (names withdrawn while someone pages through)
        # stretches the count rather than showing "page 8 of 7".
        pages=max(-(-listed_total // size), number, 1),
        matches=matches, matches_capped=capped,
    )
    current = current_text(statement)
    if mark_earlier_texts(entries, current) and current is not None:
        page.earlier_texts_url = current.history_url
    page.kinds = [{"value": value, "label": label, "current": value == kind}
                  for value, label in Signature.Kind.choices]
    return page
