"""Forgetting an address ("forget me"), and asking for the data-rights link.

What is forgotten, and what stays public because its owner chose to show it, is decided by
each app that holds addresses (its ``PersonalData.erase``, registered in ``core.data_rights``).
"""

from __future__ import annotations

from django.db import transaction

from core import audit
from core.addresses import mailbox
from core.data_rights import holders
from core.sealed import seal
from privacy.tasks import LINK_REQUEST, mail_data_rights_link


@transaction.atomic
def forget_address(email: str) -> dict[str, int]:
    address = mailbox(email)
    erased = {holder.name: holder.erase(address) for holder in holders()}
    # The audit entry says that an erasure happened, never whose: it must not keep the address.
    audit.record("data subject", "privacy.forget", None, **erased)
    return erased


def do_request_link(email: str, language: str) -> None:
    """Ask for the data-rights link: the same single task row whatever the address (the
    request must not look it up: that took longer for a held address than for an unknown
    one); the worker decides whether anything is mailed (privacy.tasks)."""
    mail_data_rights_link.enqueue(sealed=seal(mailbox(email), LINK_REQUEST), language=language)
