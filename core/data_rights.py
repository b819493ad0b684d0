"""What each app holds about an address, for its owner: the data-rights registry.

Every app that stores an address registers one ``PersonalData`` in its ``AppConfig.ready()``
(``register``); the data-rights page (``privacy``) finds, exports and erases through the
registry alone, and its links name a record of any registered kind. A new app that stores
addresses is one registration away from being covered: nothing in ``privacy`` changes
(pretix's data shredders are the model).

This module only keeps the list (core is a leaf): it imports nothing of the domain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PersonalData:
    """One app's records that hold addresses.

    ``newest(address)``: the newest record holding exactly this mailbox, as (id, the address as
    stored), or None. ``address_of(id)``: the address a record holds now ("" when none).
    ``export(address)``: everything stored, JSON-ready. ``erase(address)``: forget the address
    while keeping what its owner chose to make public; returns how many records were touched.
    """

    name: str  # the key of the export and of the erasure's counts
    kind: str  # one letter naming the record kind in data-rights links
    model_label: str  # "app_label.model", to recognise a record handed to ``kind_of``
    newest: Callable[[str], tuple[int, str] | None]
    address_of: Callable[[int], str]
    export: Callable[[str], list[dict[str, Any]]]
    erase: Callable[[str], int]


_holders: dict[str, PersonalData] = {}


def register(holder: PersonalData) -> None:
    known = next((h for h in _holders.values() if h.kind == holder.kind), None)
    if known is not None and known.name != holder.name:
        raise ValueError(f"record kind {holder.kind!r} is taken by {known.name}")
    _holders[holder.name] = holder


def holders() -> list[PersonalData]:
    """The registered holders, in the order the apps registered them (INSTALLED_APPS)."""
    return list(_holders.values())


def by_kind(kind: str) -> PersonalData | None:
    return next((h for h in _holders.values() if h.kind == kind), None)


def kind_of(record: Any) -> PersonalData | None:
    label = record._meta.label_lower
    return next((h for h in _holders.values() if h.model_label == label), None)
