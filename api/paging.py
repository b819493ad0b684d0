"""Paging as OSDI writes it (``page``, ``per_page``, ``total_pages``, ``total_records``,
``_links.next``), walked as a keyset underneath (docs/api.md, "Paging").

Every ``next`` link carries an opaque cursor (``after``): the sort key of the page's last row.
The next page is then one seek in an index, however deep — never an OFFSET, which reads and
throws away every row before the page. A client that counts pages itself (``?page=3`` without a
cursor) is served too, while the rows to skip stay few (``MAX_SKIPPED``): the rows before the
page are read from the index and dropped in Python, so the database never runs an OFFSET. Past
that, the answer is a 400 that says to follow ``_links.next``.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Model, Q, QuerySet

DEFAULT_PER_PAGE = 25
MAX_PAGESIZE = 100
# Rows a page number without a cursor may skip: 40 pages of 25, 10 of 100.
MAX_SKIPPED = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"(\d{1,18})?\.(\d{1,18})", re.ASCII)
_NUMBER = re.compile(r"[1-9]\d{0,8}", re.ASCII)


class BadPage(ValueError):
    """A paging parameter the API cannot honour; the message says why, for the caller."""

    def __init__(self, message: str, *, parameter: str, hint: str = "") -> None:
        super().__init__(message)
        self.parameter = parameter
        self.hint = hint


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the sort column's value (microseconds since 1970, or None when the
    order is by id alone) and the row's id."""

    moment: int | None
    pk: int

    def encode(self) -> str:
        text = f"{'' if self.moment is None else self.moment}.{self.pk}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        bad = BadPage("The cursor is not one this API wrote; follow the _links.next of a page.",
                      parameter="after")
        if not text.isascii() or len(text) > 64:
            raise bad
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        except (binascii.Error, ValueError):
            raise bad from None
        match = _CURSOR.fullmatch(raw)
        if match is None:
            raise bad
        cursor = cls(int(match[1]) if match[1] else None, int(match[2]))
        if cursor.encode() != text:  # one spelling per cursor
            raise bad
        if (cursor.moment or 0) > _LAST_MOMENT or cursor.pk > 2**63 - 1:
            raise bad
        return cursor

    @property
    def when(self) -> datetime:
        return _EPOCH + timedelta(microseconds=self.moment or 0)


def moment_of(value: datetime) -> int:
    delta = value.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


# The last instant a date column holds: a cursor beyond it was not written here.
_LAST_MOMENT = moment_of(datetime(9999, 12, 31, tzinfo=UTC))


@dataclass(frozen=True)
class PageRequest:
    page: int
    per_page: int
    after: Cursor | None

    @property
    def skipped(self) -> int:
        """Rows before the page that must be read and dropped (a page number without cursor)."""
        return 0 if self.after is not None else (self.page - 1) * self.per_page


def _number(text: str, parameter: str) -> int:
    if not _NUMBER.fullmatch(text):
        raise BadPage(f"{parameter} must be a whole number from 1.", parameter=parameter)
    return int(text)


def page_request(params: Any) -> PageRequest:
    """``page``, ``per_page`` and ``after`` from the query string, checked."""
    per_page = _number(params.get("per_page", ""), "per_page") if params.get("per_page") \
        else DEFAULT_PER_PAGE
    if per_page > MAX_PAGESIZE:
        raise BadPage(f"per_page is at most {MAX_PAGESIZE} (max_pagesize).",
                      parameter="per_page")
    page = _number(params.get("page", ""), "page") if params.get("page") else 1
    after_text = params.get("after", "")
    after = Cursor.decode(after_text) if after_text else None
    request = PageRequest(page=page, per_page=per_page, after=after)
    if request.skipped > MAX_SKIPPED:
        raise BadPage(f"A page number without a cursor reaches at most {MAX_SKIPPED} rows in.",
                      parameter="page",
                      hint="Follow the _links.next of each page: it carries a cursor that "
                           "reaches any page.")
    return request


@dataclass(frozen=True)
class Order:
    """A keyset order: by a date column then the id, or (``column`` None) by the id alone."""

    column: str | None

    def fields(self) -> tuple[str, ...]:
        return (self.column, "id") if self.column else ("id",)

    def cursor(self, row: Model) -> Cursor:
        moment = moment_of(getattr(row, self.column)) if self.column else None
        return Cursor(moment, row.pk)

    def key(self, row: Model) -> tuple[int, ...]:
        cursor = self.cursor(row)
        return (cursor.moment or 0, cursor.pk)

    def beyond(self, queryset: QuerySet, after: Cursor) -> QuerySet:
        """Rows after the cursor; the ``>=`` on the leading column lets the index seek."""
        if not self.column:
            return queryset.filter(id__gt=after.pk)
        when = after.when
        return queryset.filter(**{f"{self.column}__gte": when}).filter(
            Q(**{f"{self.column}__gt": when}) | Q(id__gt=after.pk))


@dataclass
class Page:
    rows: list[Any]
    more: bool
    next_cursor: Cursor | None


def walk(lanes: Sequence[QuerySet], order: Order, request: PageRequest,
         prepare: Callable[[QuerySet], QuerySet] = lambda queryset: queryset) -> Page:
    """One page of the rows of ``lanes`` in ``order``. Each lane is a queryset one index walks
    in that order (the public list's index has the kind and visibility before the date, so the
    two kinds are two lanes); each is read from the cursor for at most the page and one more
    row, and the lanes are merged here."""
    wanted = request.skipped + request.per_page + 1
    walked = []
    for lane in lanes:
        if request.after is not None:
            lane = order.beyond(lane, request.after)
        walked.append(list(prepare(lane).order_by(*order.fields())[:wanted]))
    merged = list(heapq.merge(*walked, key=order.key)) if len(walked) > 1 else walked[0]
    window = merged[request.skipped:wanted]
    rows = window[:request.per_page]
    more = len(window) > request.per_page
    return Page(rows=rows, more=more, next_cursor=order.cursor(rows[-1]) if more else None)
