"""Update mails waiting for an address, for the data-rights registry (``core.data_rights``).

An ``UpdateMail`` row holds no address, only the signature it is for; the address lives in the
signature (signatures/data_rights.py). This registration makes the data-rights page show the
news mails still waiting for an address and, on "forget me", remove them. The signatures'
erasure runs first (registration order) and blanks or withdraws those signatures, so here the
rows of every signature that no longer holds an address are removed too.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from core.data_rights import PersonalData
from signatures.models import Signature
from updates.models import UpdateMail


def newest(address: str) -> tuple[int, str] | None:
    return None  # no record here holds an address: links name the signature


def address_of(row_id: int) -> str:
    return ""


def export(address: str) -> list[dict[str, Any]]:
    rows = (UpdateMail.objects.filter(signature__in=Signature.objects.for_address(address))
            .select_related("update").order_by("id"))
    return [{"type": "update_mail_waiting", "update": row.update.title,
             "signature": row.signature_id, "queued": row.queued_at.isoformat()}
            for row in rows]


def erase(address: str) -> int:
    deleted, _per_model = UpdateMail.objects.filter(
        Q(signature__in=Signature.objects.for_address(address)) | Q(signature__email="")
        | Q(signature__status=Signature.Status.WITHDRAWN)).delete()
    return deleted


UPDATE_MAILS = PersonalData(name="update_mails", kind="u", model_label="updates.updatemail",
                            newest=newest, address_of=address_of, export=export, erase=erase)
