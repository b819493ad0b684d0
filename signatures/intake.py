"""The sign-on intake: a surge of sign-ons is written in batches.

A sign-on is taken in two steps:

1. **Receive.** The request appends the validated sign-on to the intake (``SignOn``: one row in
   a table with no secondary index) and commits before it answers (DESIGN.md invariant 6).
   The answer never depends on what happens next: whether the address had already signed is
   not told at the form (invariant 4), so nothing more has to happen before it.
2. **Apply.** Pending sign-ons become unconfirmed signatures and their confirmation mails'
   task rows, many per transaction: one query finds the addresses that already signed, one
   INSERT stores the new signatures, one task row per ``MAIL_CHUNK`` names their mails.

The request applies what is pending itself, right after its own append, unless its process
applied less than ``APPLY_INTERVAL`` ago. So a quiet site applies every sign-on at once, and in
a surge each app process applies a batch a few times a second instead of one signature per
request: the per-transaction and per-task costs are paid once per batch. Whatever a surge
leaves pending when it stops, or a process that died left behind, the scheduler applies within
a second (``undersigned scheduler`` calls ``apply_pending``).

Concurrent appliers take disjoint rows (``SKIP LOCKED`` on PostgreSQL; on SQLite transactions
are serial anyway). If a batch meets a constraint anyway (two appliers stored the same address
at once), it is applied again row by row, each sign-on as its own savepoint.
"""

from __future__ import annotations

import functools
import logging
import time
from itertools import batched
from typing import TYPE_CHECKING

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Field
from django.utils import timezone

from signatures import actions
from signatures.models import Signature, SignOn, sort_key
from signatures.tasks import mail_confirmations
from statements.models import Statement

if TYPE_CHECKING:
    from signatures.actions import SignerDetails

logger = logging.getLogger(__name__)

# A process applies pending sign-ons at most this often (seconds): under load, requests in
# between only append, and the next apply takes them all in one transaction.
APPLY_INTERVAL = 0.1
BATCH = 500
# Confirmation mails per task row: a batch is split so that every task worker gets a share.
MAIL_CHUNK = 25

_last_applied = float("-inf")


def receive(statement: Statement, details: SignerDetails, *, ip_hash: str, language: str
            ) -> None:
    """Store a validated sign-on durably, then apply pending sign-ons if this process is due."""
    _append(SignOn(
        statement=statement, kind=details.kind, name=details.name,
        organisation_name=details.organisation, role=details.role, country=details.country,
        email=details.email, show_name=details.show_name, comment=details.comment,
        ip_hash=ip_hash, language=language, received_at=timezone.now()))
    # The sign-on is accepted now. Applying it is the site's work, not the signer's: if it
    # fails, the row waits for the next attempt (the scheduler's, at the latest).
    try:
        apply_if_due()
    except DatabaseError:
        logger.exception("applying pending sign-ons failed; they stay in the intake")


@functools.cache
def _append_statement(vendor: str) -> tuple[str, tuple[Field, ...]]:
    fields = tuple(field for field in SignOn._meta.concrete_fields if not field.primary_key)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    values = ", ".join(["%s"] * len(fields))
    # Names from the model, values as parameters.
    sql = f"INSERT INTO {quote(SignOn._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608
    return sql, fields


def _append(sign_on: SignOn) -> None:
    """One INSERT whose SQL is built once from the model's fields: Model.save() compiles it
    anew every time, which was a third of the signing request's own work in a surge."""
    sql, fields = _append_statement(connection.vendor)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [field.get_db_prep_save(getattr(sign_on, field.attname), connection)
                             for field in fields])


def apply_if_due() -> int:
    global _last_applied
    now = time.monotonic()
    if now - _last_applied < APPLY_INTERVAL:
        return 0
    _last_applied = now
    return apply_pending()


def apply_pending() -> int:
    """Apply every pending sign-on, a batch per transaction; returns how many were applied."""
    applied = 0
    while True:
        count = _apply_batch()
        applied += count
        if count < BATCH:
            return applied


def _apply_batch() -> int:
    with transaction.atomic():
        pending = list(SignOn.objects.select_for_update(skip_locked=True)
                       .order_by("pk")[:BATCH])
        if not pending:
            return 0
        try:
            with transaction.atomic():
                _store(pending)
        except IntegrityError:
            for sign_on in pending:
                _store_alone(sign_on)
        SignOn.objects.filter(pk__in=[sign_on.pk for sign_on in pending]).delete()
    return len(pending)


def _signature(sign_on: SignOn, now: object) -> Signature:
    signature = Signature(
        statement_id=sign_on.statement_id, kind=sign_on.kind, name=sign_on.name,
        organisation_name=sign_on.organisation_name, role=sign_on.role,
        country=sign_on.country, email=sign_on.email, show_name=sign_on.show_name,
        comment=sign_on.comment, ip_hash=sign_on.ip_hash, language=sign_on.language,
        mails_sent=1, last_mailed_at=now)
    signature.sort_name = sort_key(signature.display_name)  # as Signature.save does
    return signature


def _store(pending: list[SignOn]) -> None:
    """New addresses become signatures; an address that already signed is mailed again
    (within the same limits as before), exactly as one sign-on at a time would."""
    now = timezone.now()
    signers: dict[tuple[int, str], Signature] = {}
    for signature in (Signature.objects.active()
                      .filter(email__in={sign_on.email for sign_on in pending},
                              statement_id__in={sign_on.statement_id for sign_on in pending})
                      .order_by("-pk")):
        signers[signature.statement_id, signature.email] = signature  # the oldest wins
    new: list[Signature] = []
    again: list[tuple[Signature, str]] = []
    for sign_on in pending:
        key = (sign_on.statement_id, sign_on.email)
        if key in signers:
            again.append((signers[key], sign_on.language))
        else:
            signers[key] = _signature(sign_on, now)
            new.append(signers[key])
    Signature.objects.bulk_create(new)
    for chunk in batched(new, MAIL_CHUNK):
        mail_confirmations.enqueue(signature_ids=[signature.pk for signature in chunk])
    for signature, language in again:
        actions.mail_again(signature, language)


def _store_alone(sign_on: SignOn) -> None:
    try:
        with transaction.atomic():
            _store([sign_on])
    except IntegrityError:
        # Refused by a constraint other than one signature per address, which the form's
        # validation rules out: keep the evidence in the log, not the personal data.
        logger.exception("sign-on #%s on statement %s could not be stored; dropped",
                         sign_on.pk, sign_on.statement_id)
