"""The sign-on intake: a surge of sign-ons is written in batches.

A sign-on is taken in two steps:

1. **Receive.** The request appends the validated sign-on to the intake (``SignOn``: one row in
   a table with no secondary index) and commits before it answers (docs/security.md, invariant 6).
   The answer never depends on what happens next: whether the address had already signed is
   not told at the form (invariant 4), so nothing more has to happen before it.
2. **Apply.** Pending sign-ons become unconfirmed signatures and their confirmation mails'
   task rows, many per transaction: one INSERT … SELECT copies the intake rows whose address
   has not signed the statement yet into signatures (no Python per row), one task row per
   ``MAIL_CHUNK`` names their mails, and the others are mailed as a second sign-on is.

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
from dataclasses import dataclass
from itertools import batched

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Field
from django.utils import timezone

from core import inserts
from signatures import tallies
from signatures.models import Signature, SignOn, new_token_salt, shown_name, sort_key
from signatures.tasks import mail_again, mail_confirmations
from statements.models import Statement

logger = logging.getLogger(__name__)

# A process applies pending sign-ons at most this often (seconds): under load, requests in
# between only append, and the next apply takes them all in one transaction.
APPLY_INTERVAL = 0.1
BATCH = 500
# Confirmation mails per task row: a batch is split so that every task worker gets a share.
MAIL_CHUNK = 25

# Each app process vacuums the intake table (PostgreSQL) after applying this many sign-ons.
VACUUM_EVERY = 5000

_last_applied = float("-inf")
_applied_since_vacuum = 0


@dataclass(frozen=True)
class SignerDetails:
    kind: str
    name: str
    organisation: str
    role: str
    country: str
    email: str
    show_name: bool
    comment: str
    # Consent to the statement's updates; copied to the signature with the other columns.
    news: bool = False
    # Consent to be contacted by the coalition (issue 18).
    contact: bool = False
    # How the sign-on arrived (the form, or the API's sign-on helper) and, for the API, the
    # tool or site its token holder names (OSDI's ``referrer_data.source``).
    source: str = Signature.Source.FORM
    referrer: str = ""


def receive(statement: Statement, details: SignerDetails, *, ip_hash: str, language: str
            ) -> None:
    """Store a validated sign-on durably, then apply pending sign-ons if this process is due."""
    _append(SignOn(
        statement=statement, kind=details.kind, name=details.name,
        organisation_name=details.organisation, role=details.role, country=details.country,
        email=details.email, show_name=details.show_name, wants_news=details.news,
        wants_contact=details.contact, source=details.source, referrer=details.referrer,
        comment=details.comment,
        ip_hash=ip_hash, language=language,
        sort_name=sort_key(shown_name(details.kind, details.name, details.organisation)),
        token_salt=new_token_salt(), received_at=timezone.now()))
    # The sign-on is accepted now. Applying it is the site's work, not the signer's: if it
    # fails, the row waits for the next attempt (the scheduler's, at the latest).
    try:
        apply_if_due()
    except DatabaseError:
        logger.exception("applying pending sign-ons failed; they stay in the intake")


def _append(sign_on: SignOn) -> None:
    """Run in autocommit, the INSERT is its own transaction, committed when it returns: on
    PostgreSQL one round trip instead of three with BEGIN and COMMIT (the writers' lock on
    SQLite, see core.backends.sqlite3). Inside a caller's transaction it joins that one."""
    inserts.insert(sign_on, returning_pk=False)


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
            break
    _vacuum_if_due(applied)
    return applied


def _vacuum_if_due(applied: int) -> None:
    """PostgreSQL keeps a deleted row until VACUUM, and every applied sign-on is deleted from
    the intake: in a surge each batch's scan for pending rows would step over all the rows
    applied before it (measured: 9 ms to find 25 pending rows behind 41,509 dead ones).
    Autovacuum looks once a minute at best, and may be off."""
    global _applied_since_vacuum
    if connection.vendor != "postgresql":
        return  # SQLite reuses a deleted row's space at once
    _applied_since_vacuum += applied
    if _applied_since_vacuum < VACUUM_EVERY or connection.in_atomic_block:
        return
    _applied_since_vacuum = 0
    table = connection.ops.quote_name(SignOn._meta.db_table)
    with connection.cursor() as cursor:
        # SKIP_LOCKED: another process vacuuming the table right now does the same job.
        cursor.execute(f"VACUUM (SKIP_LOCKED) {table}")  # the name comes from the model


def _apply_batch() -> int:
    with transaction.atomic():
        pending = list(SignOn.objects.select_for_update(skip_locked=True).order_by("pk")
                       .values_list("pk", "statement_id", "email", "language")[:BATCH])
        if not pending:
            return 0
        try:
            with transaction.atomic():
                _store(pending)
        except IntegrityError:
            for row in pending:
                _store_alone(row)
        SignOn.objects.filter(pk__in=[row[0] for row in pending]).delete()
    return len(pending)


Pending = tuple[int, int, str, str]  # intake row: pk, statement_id, email, language


def _store(pending: list[Pending]) -> None:
    """New addresses become signatures; an address that already signed is mailed again
    (within the same limits as before), exactly as one sign-on at a time would."""
    first: dict[tuple[int, str], int] = {}
    for pk, statement_id, email, _language in pending:
        first.setdefault((statement_id, email), pk)
    stored = _insert_signatures(list(first.values()))
    tallies.count_received([pk for pk, _statement_id, _email in stored])
    for chunk in batched([pk for pk, _statement_id, _email in stored], MAIL_CHUNK):
        mail_confirmations.enqueue(signature_ids=list(chunk))
    new = {(statement_id, email) for _pk, statement_id, email in stored}
    again = [(statement_id, email, language) for pk, statement_id, email, language in pending
             if (statement_id, email) not in new or first[statement_id, email] != pk]
    if not again:
        return
    signers: dict[tuple[int, str], Signature] = {}
    for signature in (Signature.objects.active()
                      .filter(email__in={email for _s, email, _l in again},
                              statement_id__in={statement_id for statement_id, _e, _l in again})
                      .order_by("-pk")):
        signers[signature.statement_id, signature.email] = signature  # the oldest wins
    for statement_id, email, language in again:
        signer = signers.get((statement_id, email))
        # None: an earlier sign-on from this address is being applied by another applier,
        # whose confirmation mail covers this one.
        if signer is not None:
            mail_again(signer, language)


def _store_alone(row: Pending) -> None:
    try:
        with transaction.atomic():
            _store([row])
    except IntegrityError:
        # Refused by a constraint other than one signature per address, which the form's
        # validation rules out: keep the evidence in the log, not the personal data.
        logger.exception("sign-on #%s on statement %s could not be stored; dropped",
                         row[0], row[1])


@functools.cache
def _insert_statement(vendor: str) -> tuple[str, str, tuple[Field, ...]]:
    """INSERT … SELECT making intake rows signatures, built once from the two models: a
    signature column the intake has is copied, any other takes the value of a template
    signature (see _insert_signatures). One statement per batch, no Python per row."""
    quote = connection.ops.quote_name
    copied = {field.attname for field in SignOn._meta.concrete_fields if not field.primary_key}
    fields = tuple(field for field in Signature._meta.concrete_fields if not field.primary_key)
    columns = ", ".join(quote(inserts.column(field)) for field in fields)
    values = ", ".join(f"pending.{quote(inserts.column(field))}" if field.attname in copied else "%s"
                       for field in fields)
    templated = tuple(field for field in fields if field.attname not in copied)
    signature, pending = quote(Signature._meta.db_table), quote(SignOn._meta.db_table)
    statement_id, email, status = quote("statement_id"), quote("email"), quote("status")
    active = ", ".join(["%s"] * len(Signature.ACTIVE_STATUSES))
    # Table and column names come from the models; every value is a parameter.
    head = f"INSERT INTO {signature} ({columns}) SELECT {values} FROM {pending} pending WHERE "  # noqa: S608
    # An address with an active signature on the statement is not stored again (the partial
    # unique constraint would refuse it): it is mailed instead.
    tail = (f" AND NOT EXISTS (SELECT 1 FROM {signature} signed"  # noqa: S608
            f" WHERE signed.{statement_id} = pending.{statement_id}"
            f" AND signed.{email} = pending.{email} AND signed.{status} IN ({active}))"
            f" ORDER BY pending.{quote('id')} RETURNING {quote('id')}, {statement_id}, {email}")
    return head, tail, templated


def _insert_signatures(pks: list[int]) -> list[tuple[int, int, str]]:
    """Store the intake rows ``pks`` as unconfirmed signatures unless their address already
    signed; returns (signature id, statement id, email) of those stored."""
    head, tail, templated = _insert_statement(connection.vendor)
    now = timezone.now()
    # The consents, ``source`` and ``referrer`` are the intake's columns, copied as they are.
    template = Signature(status=Signature.Status.UNCONFIRMED,
                         mails_sent=1, last_mailed_at=now, created_at=now, updated_at=now)
    quote = connection.ops.quote_name
    where = f"pending.{quote('id')} IN ({', '.join(['%s'] * len(pks))})"
    params = [field.get_db_prep_save(getattr(template, field.attname), connection)
              for field in templated]
    with connection.cursor() as cursor:
        cursor.execute(head + where + tail,
                       [*params, *pks, *Signature.ACTIVE_STATUSES])
        return [tuple(row) for row in cursor.fetchall()]
