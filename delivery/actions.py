"""Recording a delivery: one transaction, an audit entry, the statement's pages marked changed."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from core import audit
from delivery.models import Delivery
from signatures.actions import counts
from statements.actions import current_revision
from statements.models import Statement
from statements.pages import statement_changed

HASH_TEXT = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class HandedOver:
    """The file handed over, as the server hashed it."""

    name: str
    size: int
    sha256: str


def hash_chunks(name: str, chunks: Iterable[bytes]) -> HandedOver:
    """SHA-256 of a file read piece by piece (an upload's ``chunks()``): never whole in memory."""
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return HandedOver(name=name[:255], size=size, sha256=digest.hexdigest())


def parse_hash(text: str) -> str | None:
    """A SHA-256 as people paste it: 64 hexadecimal digits, in either case, alone or as the
    first word of ``sha256sum``'s line ("<hash>  file.pdf"). None for anything else."""
    words = text.strip().split()
    if not words:
        return None
    candidate = words[0].lower()
    return candidate if HASH_TEXT.fullmatch(candidate) else None


@transaction.atomic
def do_record_delivery(statement: Statement, *, recipient: str, delivered_on: date,
                       method: str, method_detail: str, handed_over: HandedOver,
                       actor: Any) -> Delivery:
    """Record that ``handed_over`` was delivered: the count and the revision are read now."""
    counter = counts(statement)
    revision = current_revision(statement)
    delivery = Delivery.objects.create(
        statement=statement, recipient=recipient, delivered_on=delivered_on, method=method,
        method_detail=method_detail, file_name=handed_over.name, file_size=handed_over.size,
        sha256=handed_over.sha256, signature_count=counter.total, revision=revision,
        revision_number=revision.number if revision else None,
        created_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit.record(actor, "delivery.record", delivery, statement=statement.pk,
                 recipient=recipient, delivered_on=delivered_on.isoformat(),
                 sha256=handed_over.sha256, signatures=counter.total,
                 revision=delivery.revision_number)
    statement_changed(statement.pk)
    return delivery
