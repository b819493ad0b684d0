"""What we hold about an address, for its owner: the read side of the data-rights page, found
through every app's registration in ``core.data_rights``."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from core import data_rights
from core.addresses import mailbox


def holds_anything(email: str) -> bool:
    address = mailbox(email)
    return bool(address) and any(h.newest(address) for h in data_rights.holders())


def export_for_address(email: str) -> dict[str, Any]:
    """Everything stored about an address, JSON-ready: one list per app that holds addresses."""
    address = mailbox(email)
    return {
        "address": address,
        "generated_at": timezone.now().isoformat(),
        **{h.name: h.export(address) for h in data_rights.holders()},
    }
