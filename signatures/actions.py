"""State changes of signatures: one short transaction each; counters kept in the same
transaction; mail queued as a task row in that transaction; the cached page told on commit;
an audit entry for every editor and moderator action. Sign-ons arrive through
signatures.intake, which applies them in batches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from core import audit, sealed
from signatures import intake, signals, tallies
from signatures.intake import SignerDetails as SignerDetails  # re-exported: do_sign takes one
from signatures.models import Signature, SignatureCounter
from signatures.tasks import (
    RESEND,
    queue_signer_mail,
    resend_confirmation,
)
from statements.actions import (
    current_revision,
    find_or_create_organisation,
    remove_orphaned_organisations,
)
from statements.models import Organisation, Statement
from statements.pages import statement_changed


class NotConfirmable(Exception):
    """The signature is no longer waiting for confirmation (confirmed, withdrawn, rejected)."""


# --- counters ----------------------------------------------------------------------------------

def _counted(signature: Signature) -> tuple[int, int]:
    visible = signature.status == Signature.Status.VISIBLE
    return int(visible), int(visible and signature.show_name)


def _apply_counts(signature: Signature, before: tuple[int, int]) -> None:
    """Move the statement's counters by the change in this signature's contribution."""
    after = _counted(signature)
    total, named = after[0] - before[0], after[1] - before[1]
    if before != (0, 0) or after != (0, 0):
        statement_changed(signature.statement_id)  # takes effect on commit
    if not (total or named):
        return
    field = "organisations" if signature.is_organisation else "individuals"
    changes = {field: F(field) + total, f"{field}_named": F(f"{field}_named") + named}
    counter = SignatureCounter.objects.filter(statement_id=signature.statement_id)
    if not counter.update(**changes):
        SignatureCounter.objects.get_or_create(statement_id=signature.statement_id)
        counter.update(**changes)


def counts(statement: Statement) -> SignatureCounter:
    """The statement's counters (zeros when nobody has signed yet); one primary-key read."""
    return (SignatureCounter.objects.filter(statement=statement).first()
            or SignatureCounter(statement=statement))


def recount(statement: Statement) -> dict[str, int]:
    rows = (Signature.objects.filter(statement=statement).visible().values("kind")
            .annotate(total=Count("id"), named=Count("id", filter=Q(show_name=True))))
    values = {"organisations": 0, "organisations_named": 0, "individuals": 0,
              "individuals_named": 0}
    for row in rows:
        field = "organisations" if row["kind"] == Signature.Kind.ORGANISATION else "individuals"
        values[field], values[f"{field}_named"] = row["total"], row["named"]
    return values


def reconcile_counts(statements: Iterable[Statement] | None = None) -> list[Statement]:
    """Recompute counters from the signatures; returns the statements whose counts were wrong."""
    fixed = []
    for statement in statements if statements is not None else Statement.objects.all():
        with transaction.atomic():
            counter, _created = SignatureCounter.objects.select_for_update().get_or_create(
                statement=statement)
            values = recount(statement)
            if any(getattr(counter, k) != v for k, v in values.items()):
                SignatureCounter.objects.filter(pk=counter.pk).update(**values)
                fixed.append(statement)
                statement_changed(statement.pk)
    return fixed


# --- organisations -----------------------------------------------------------------------------

def _link_organisation(signature: Signature) -> None:
    """A shown organisation gets its Organisation record (and page); a hidden one never does:
    its page, at an address anyone can guess from the name, would publish it."""
    if signature.is_organisation and signature.show_name and \
            signature.organisation_id is None and signature.organisation_name:
        signature.organisation = find_or_create_organisation(signature.organisation_name)


def _drop_orphans(signature: Signature, *organisation_ids: int | None) -> None:
    """Remove the organisations these links leave without a public reference; the signature in
    hand forgets a link whose record went (the database set it to null)."""
    if signature.organisation_id in remove_orphaned_organisations(organisation_ids):
        signature.organisation = None


@transaction.atomic
def do_record_organisation(statement: Statement, name: str, *, actor: Any = None) -> Signature:
    """An organisation the editors record as signed (``signed_on``). Idempotent per name."""
    organisation = find_or_create_organisation(name.strip())
    existing = (Signature.objects.filter(statement=statement, organisation=organisation)
                .visible().first())
    if existing:
        return existing
    signature = Signature(statement=statement, kind=Signature.Kind.ORGANISATION,
                          source=Signature.Source.EDITOR, status=Signature.Status.VISIBLE,
                          organisation_name=organisation.name, organisation=organisation,
                          show_name=True, confirmed_at=timezone.now(),
                          revision=current_revision(statement), language=statement.language)
    signature.save()
    _apply_counts(signature, (0, 0))
    tallies.record_change(Counter(), tallies.contribution(signature))
    audit.record(actor, "signature.record_organisation", signature, statement=statement.pk)
    return signature


# --- signing -----------------------------------------------------------------------------------

def do_sign(statement: Statement, details: SignerDetails, *, ip_hash: str, language: str
            ) -> None:
    """Take a sign-on: stored durably when this returns; it becomes an unconfirmed signature
    with its confirmation mail, or, when the address already signed, a mail to that address
    instead. The caller cannot tell which: neither can the person at the form (docs/security.md,
    invariant 4). See signatures.intake for the two steps."""
    intake.receive(statement, details, ip_hash=ip_hash, language=language)


def do_resend_confirmation(statement: Statement, email: str, language: str) -> None:
    """The request does the same work for every address: one task row, carrying the address
    sealed (core.sealed). Looking the address up here took measurably longer for a pending
    one than for an unknown one, which told a stranger who had signed (issue 14, item 5);
    the worker looks it up (``mail_pending_again``)."""
    resend_confirmation.enqueue(statement_id=statement.pk, sealed=sealed.seal(email, RESEND),
                                language=language)


def is_held(statement: Statement, kind: str) -> bool:
    policy = statement.signature_moderation
    return policy == Statement.SignatureModeration.ALL or (
        policy == Statement.SignatureModeration.ORGANISATIONS
        and kind == Signature.Kind.ORGANISATION)


def may_confirm(signature: Signature) -> bool:
    """A signature sent in time may be confirmed after the deadline or after signing closed."""
    statement = signature.statement
    if statement.status not in (Statement.Status.PUBLISHED, Statement.Status.CLOSED):
        return False
    return statement.signing_deadline is None or signature.created_at < statement.signing_deadline


@transaction.atomic
def do_confirm(signature: Signature) -> Signature:
    signature = (Signature.objects.select_for_update().select_related("statement")
                 .get(pk=signature.pk))
    if signature.status != Signature.Status.UNCONFIRMED:
        raise NotConfirmable
    before = _counted(signature)
    tallied = tallies.contribution(signature)
    statement = signature.statement
    signature.confirmed_at = timezone.now()
    signature.revision = current_revision(statement)
    # A sign-on made during a surge (statements.models.Statement.surge_holds) waits for review.
    if is_held(statement, signature.kind) or statement.surge_holds(signature.created_at):
        signature.status = Signature.Status.HELD
    else:
        signature.status = Signature.Status.VISIBLE
        _link_organisation(signature)
    signature.save(update_fields=["status", "confirmed_at", "revision", "organisation",
                                  "updated_at"])
    _apply_counts(signature, before)
    tallies.record_change(tallied, tallies.contribution(signature))
    signals.signature_confirmed.send(sender=Signature, signature=signature)
    return signature


@transaction.atomic
def do_correct(signature: Signature, changes: dict[str, Any]) -> Signature:
    """The signer corrects a typo or shows/hides their name. A changed name, organisation or
    comment goes back to review when the statement's policy reviews this kind."""
    signature = (Signature.objects.select_for_update().select_related("statement")
                 .get(pk=signature.pk))
    if signature.status == Signature.Status.WITHDRAWN:
        raise NotConfirmable
    before = _counted(signature)
    tallied = tallies.contribution(signature)
    fields = {"name": changes["name"], "role": changes["role"], "country": changes["country"],
              "comment": changes["comment"], "show_name": changes["show_name"],
              # Absent when a caller does not offer the consent: it stays as it is.
              "wants_news": changes.get("news", signature.wants_news),
              "wants_contact": changes.get("contact", signature.wants_contact)}
    if signature.is_organisation or changes.get("organisation"):
        fields["organisation_name"] = changes["organisation"]
    changed = {k for k, v in fields.items() if getattr(signature, k) != v}
    if not changed:
        return signature
    for key in changed:
        setattr(signature, key, fields[key])
    if "comment" in changed:
        signature.comment_approved = False
    unlinked = signature.organisation_id
    if ("organisation_name" in changed and signature.is_organisation) or \
            not signature.show_name:
        signature.organisation = None
    content_changed = bool(changed & {"name", "organisation_name", "role", "comment"})
    if (content_changed and signature.status == Signature.Status.VISIBLE
            and is_held(signature.statement, signature.kind)):
        signature.status = Signature.Status.HELD
    if signature.status == Signature.Status.VISIBLE:
        _link_organisation(signature)
    signature.save()
    _apply_counts(signature, before)
    tallies.record_change(tallied, tallies.contribution(signature))
    _drop_orphans(signature, unlinked)
    return signature


@transaction.atomic
def do_withdraw(signature: Signature) -> Signature:
    """Final: the name and the count go at once, and what we held about the signer is erased."""
    signature = Signature.objects.select_for_update().get(pk=signature.pk)
    if signature.status == Signature.Status.WITHDRAWN:
        return signature
    before = _counted(signature)
    tallied = tallies.contribution(signature)
    unlinked = signature.organisation_id
    signature.status = Signature.Status.WITHDRAWN
    for field in ("name", "organisation_name", "role", "country", "email", "comment", "ip_hash"):
        setattr(signature, field, "")
    signature.organisation = None
    signature.comment_approved = False
    # The consent goes with the signature: no integration reads a withdrawn signer again.
    signature.wants_contact = False
    signature.save()
    _apply_counts(signature, before)
    tallies.record_change(tallied, tallies.contribution(signature))
    _drop_orphans(signature, unlinked)
    signals.signature_withdrawn.send(sender=Signature, signature=signature)
    return signature


def expire_unconfirmed(now: Any = None) -> int:
    """Delete sign-ons never confirmed within UNDERSIGNED["UNCONFIRMED_EXPIRY_DAYS"] days.
    Called by the scheduler; returns how many were deleted."""
    days = int(settings.UNDERSIGNED.get("UNCONFIRMED_EXPIRY_DAYS") or 7)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _per_model = Signature.objects.unconfirmed().filter(created_at__lt=cutoff).delete()
    return deleted


# --- moderation --------------------------------------------------------------------------------

def do_approve(signatures: QuerySet[Signature], *, actor: Any) -> int:
    """Held (or rejected by mistake) signatures become visible; their comments are approved with
    them, since the moderator has read them."""
    done = 0
    for pk in signatures.filter(status__in=[Signature.Status.HELD, Signature.Status.REJECTED]
                                ).values_list("pk", flat=True):
        with transaction.atomic():
            signature = Signature.objects.select_for_update().get(pk=pk)
            if signature.status not in (Signature.Status.HELD, Signature.Status.REJECTED):
                continue
            before = _counted(signature)
            tallied = tallies.contribution(signature)
            signature.status = Signature.Status.VISIBLE
            signature.comment_approved = bool(signature.comment)
            _link_organisation(signature)
            signature.save()
            _apply_counts(signature, before)
            tallies.record_change(tallied, tallies.contribution(signature))
            audit.record(actor, "signature.approve", signature,
                         statement=signature.statement_id,
                         organisation=signature.organisation_id)
            done += 1
    return done


def do_reject(signatures: QuerySet[Signature], *, actor: Any) -> int:
    """Never shown; the signer is not told why — only the statement's message, if it has one."""
    done = 0
    for pk in signatures.filter(status__in=[Signature.Status.HELD, Signature.Status.VISIBLE]
                                ).values_list("pk", flat=True):
        with transaction.atomic():
            signature = (Signature.objects.select_for_update().select_related("statement")
                         .get(pk=pk))
            if signature.status not in (Signature.Status.HELD, Signature.Status.VISIBLE):
                continue
            before = _counted(signature)
            tallied = tallies.contribution(signature)
            signature.status = Signature.Status.REJECTED
            signature.save(update_fields=["status", "updated_at"])
            _apply_counts(signature, before)
            tallies.record_change(tallied, tallies.contribution(signature))
            _drop_orphans(signature, signature.organisation_id)
            if signature.statement.rejection_message.strip() and signature.email:
                queue_signer_mail(signature, "rejected", signature.language)
            audit.record(actor, "signature.reject", signature, statement=signature.statement_id)
            done += 1
    return done


def do_moderate_comments(signatures: QuerySet[Signature], *, actor: Any, approve: bool) -> int:
    done = 0
    for signature in signatures.exclude(comment="").select_related("statement"):
        with transaction.atomic():
            # updated_at too: an integration pulling what changed (the API's modified_date
            # filter) learns that the comment is now shown, or hidden.
            Signature.objects.filter(pk=signature.pk).update(comment_approved=approve,
                                                             updated_at=timezone.now())
            if signature.status == Signature.Status.VISIBLE:
                statement_changed(signature.statement_id)
            audit.record(actor, "signature.comment_approve" if approve else
                         "signature.comment_hide", signature, statement=signature.statement_id)
            done += 1
    return done


@transaction.atomic
def do_link_organisation(signature: Signature, organisation: Organisation | None, *, actor: Any
                         ) -> Signature:
    signature = Signature.objects.select_for_update().get(pk=signature.pk)
    unlinked = signature.organisation_id
    signature.organisation = organisation
    signature.save()
    if signature.status == Signature.Status.VISIBLE:
        statement_changed(signature.statement_id)
    if unlinked != signature.organisation_id:
        _drop_orphans(signature, unlinked)
    audit.record(actor, "signature.link_organisation", signature,
                 organisation=organisation.pk if organisation else None)
    return signature
