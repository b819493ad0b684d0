"""OSDI's ``filter`` parameter (an OData subset): what a sync tool sends to pull only what
changed since its last run (docs/api.md, "Filtering").

Understood: ``modified_date`` compared with ``gt``, ``ge``, ``lt`` or ``le`` to a quoted date
or date-time, and several comparisons joined by ``and``. Anything else is refused with a
description: a filter silently ignored would hand a CRM the whole list as if it had changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_LENGTH = 300
FIELDS = {"modified_date": "updated_at"}
OPERATORS = {"gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}
_COMPARISON = re.compile(r"\s*([a-z_]+)\s+([a-z]+)\s+'([^']*)'\s*", re.ASCII)
_AND = re.compile(r"\s+and\s+", re.ASCII | re.IGNORECASE)


class BadFilter(ValueError):
    """The filter cannot be understood; the message says why, for the caller."""


@dataclass(frozen=True)
class Comparison:
    field: str  # the model's column
    lookup: str  # Django's lookup: gt, gte, lt, lte
    value: datetime

    def as_lookup(self) -> dict[str, datetime]:
        return {f"{self.field}__{self.lookup}": self.value}


def parse_date(text: str) -> datetime:
    """An ISO 8601 date or date-time; a date-time without an offset is taken as UTC."""
    if not text.isascii() or not 10 <= len(text) <= 35:
        raise BadFilter(f"“{text[:40]}” is not a date such as 2026-01-01T00:00:00Z.")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise BadFilter(f"“{text}” is not a date such as 2026-01-01T00:00:00Z.") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value = value.astimezone(UTC)
    except OverflowError:  # year 1 with a positive offset, year 9999 with a negative one
        value = datetime.min.replace(tzinfo=UTC)
    if not 1970 <= value.year <= 9998:
        raise BadFilter(f"“{text}” is out of range: use a date from 1970.")
    return value


def parse(text: str) -> list[Comparison]:
    """The comparisons a filter asks for (empty for no filter)."""
    if not text.strip():
        return []
    if len(text) > MAX_LENGTH:
        raise BadFilter(f"A filter is at most {MAX_LENGTH} characters.")
    comparisons = []
    for part in _AND.split(text.strip()):
        match = _COMPARISON.fullmatch(part)
        if match is None:
            raise BadFilter("Write a filter as modified_date gt '2026-01-01T00:00:00Z', "
                            "comparisons joined by “and”.")
        name, operator, value = match.groups()
        if name not in FIELDS:
            raise BadFilter(f"Filtering by “{name}” is not supported; only by "
                            f"{', '.join(FIELDS)}.")
        if operator not in OPERATORS:
            raise BadFilter(f"The operator “{operator}” is not supported; use one of "
                            f"{', '.join(OPERATORS)}.")
        comparisons.append(Comparison(FIELDS[name], OPERATORS[operator], parse_date(value)))
    return comparisons
