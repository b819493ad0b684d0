"""What the maintenance schedule erases of signatures (registered in ``SignaturesConfig``):
old IP hashes, and signers' addresses once their statement has been archived long enough.
Names, and everything shown publicly, stay as they were."""

from __future__ import annotations

from datetime import datetime

from core.periodic import archived_before, ip_hashes_before
from signatures.models import Signature
from statements.models import Statement


def erase_old_ip_hashes(now: datetime) -> int:
    return (Signature.objects.filter(created_at__lt=ip_hashes_before(now)).exclude(ip_hash="")
            .update(ip_hash=""))


def erase_emails_of_archived(now: datetime) -> int:
    statements = Statement.objects.filter(status=Statement.Status.ARCHIVED,
                                          updated_at__lt=archived_before(now))
    # The unique constraint on (statement, email) ignores empty addresses, so blanking is safe.
    return (Signature.objects.filter(statement__in=statements).exclude(email="")
            .update(email="", ip_hash=""))
