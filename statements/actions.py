"""State changes of statements: one transaction each, an audit entry, revisions kept."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from core import audit
from core.mail import absolute, queue_mail
from statements import pages
from statements.models import Organisation, Revision, Statement, StatementIssuer, Translation
from statements.signals import send_statement_events


def record_revisions(statement: Statement, *, actor: Any) -> list[Revision]:
    """Keep a revision of every language version whose published text changed."""
    if not statement.is_public:
        return []
    versions: list[Statement | Translation] = [statement, *statement.translations.all()]
    created = []
    for version in versions:
        latest = (Revision.objects.filter(statement=statement, language=version.language)
                  .order_by("-number").first())
        text = (version.title, version.summary, version.body)
        if latest and (latest.title, latest.summary, latest.body) == text:
            continue
        number = (latest.number + 1) if latest else 1
        created.append(Revision.objects.create(
            statement=statement, language=version.language, number=number,
            title=version.title, summary=version.summary, body=version.body,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        ))
    return created


def _changed(statement: Statement) -> None:
    """Cached public pages show the change (to every process once the transaction commits)."""
    pages.statement_changed(statement.pk)


def current_revision(statement: Statement) -> Revision | None:
    return (Revision.objects.filter(statement=statement, language=statement.language)
            .order_by("-number").first())


@transaction.atomic
def do_change_status(statement: Statement, status: str, *, actor: Any) -> Statement:
    previous = statement.status
    statement.status = status
    if status == Statement.Status.PUBLISHED and statement.published_at is None:
        statement.published_at = timezone.now()
    statement.save()
    record_revisions(statement, actor=actor)
    audit.record(actor, f"statement.{status}", statement, previous=previous)
    _changed(statement)
    send_statement_events(statement, previous_status=previous, revised=False)
    return statement


def do_publish(statement: Statement, *, actor: Any) -> Statement:
    return do_change_status(statement, Statement.Status.PUBLISHED, actor=actor)


def do_close(statement: Statement, *, actor: Any) -> Statement:
    return do_change_status(statement, Statement.Status.CLOSED, actor=actor)


def do_archive(statement: Statement, *, actor: Any) -> Statement:
    return do_change_status(statement, Statement.Status.ARCHIVED, actor=actor)


@transaction.atomic
def do_save_statement(statement: Statement, *, actor: Any, created: bool,
                      previous_status: str | None = None) -> list[Revision]:
    """After an editor saved a statement, its translations and images (admin or import)."""
    statement.save()  # re-render now that images and translations are stored
    for version in statement.translations.all():
        version.save()
    revisions = record_revisions(statement, actor=actor)
    audit.record(actor, "statement.create" if created else "statement.edit", statement,
                 revisions=[f"{r.language}#{r.number}" for r in revisions])
    if previous_status is not None and previous_status != statement.status:
        # The status field of the form is a change of status like the list's actions.
        audit.record(actor, f"statement.{statement.status}", statement, previous=previous_status)
    _changed(statement)
    send_statement_events(statement, revised=bool(revisions), previous_status=(
        statement.status if previous_status is None else previous_status))
    return revisions


def find_or_create_organisation(name: str) -> Organisation:
    """The Organisation record for a name: an existing one by slug or name, else a new one."""
    slug = slugify(name, allow_unicode=True)[:190] or "organisation"
    # Locked (PostgreSQL) so that a concurrent remove_orphaned_organisations either waits for
    # this link to commit (and keeps the record) or has deleted it already (and we create anew).
    organisations = (Organisation.objects.select_for_update()
                     if transaction.get_connection().in_atomic_block else Organisation.objects)
    found = (organisations.filter(slug=slug).first()
             or organisations.filter(name__iexact=name).first())
    if found:
        return found
    candidate, n = slug, 1
    while Organisation.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{slug}-{n}"
    return Organisation.objects.create(name=name, slug=candidate)


def remove_orphaned_organisations(organisation_ids: Iterable[int | None]) -> set[int]:
    """Delete the Organisation records among these that nothing public or editorial refers to
    any more; returns the ids of those that went.

    A sign-on creates a record (and so a page at a guessable address, /organisation/<slug>/)
    only when its organisation is shown. When that stops being true — the signature is
    withdrawn, erased, rejected, corrected to hidden or relinked — the record would keep the
    name in the database and in reach of the next person who links to it, so it goes. Kept:
    an organisation that issues any statement (drafts included), one recorded by the editors
    (``signed_on``: a signature with source "editor"), one the editors described (a website or
    a description typed in the admin), and one with a visible signature that shows its name.
    Call it inside the transaction that removed the reference.
    """
    ids = {pk for pk in organisation_ids if pk is not None}
    if not ids:
        return set()
    signature_model = Organisation._meta.get_field("signatures").related_model
    signatures = signature_model._default_manager.filter(organisation=OuterRef("pk"))
    # Locked first (PostgreSQL): a sign-on being linked to one of these right now either
    # committed before (and is seen below) or waits and then finds the record gone.
    candidates = list(Organisation.objects.select_for_update().filter(pk__in=ids)
                      .values_list("pk", flat=True))
    orphans = (Organisation.objects.filter(pk__in=candidates, website="", description="")
               .exclude(Exists(StatementIssuer.objects.filter(organisation=OuterRef("pk"))))
               .exclude(Exists(signatures.filter(source="editor")))
               .exclude(Exists(signatures.filter(status="visible", show_name=True))))
    removed = set(orphans.values_list("pk", flat=True))
    if removed:
        # Through the ORM's collector: their links are set to null, and each deletion bumps
        # the page cache's site-wide generation (statements.pages), so no cached copy outlives it.
        Organisation.objects.filter(pk__in=removed).delete()
    return removed


# --- surge mode (signatures/surge.py decides when) --------------------------------------------

def _surge_minutes() -> int:
    return int(settings.UNDERSIGNED.get("SIGN_SURGE_MINUTES") or 60)


def surge_threshold() -> int:
    """Sign-ons a minute on one statement past which it switches to surge mode."""
    return int(settings.UNDERSIGNED.get("SIGN_SURGE_PER_MINUTE") or 3000)


def signature_moderators() -> list[Any]:
    users = get_user_model().objects.with_perm("signatures.moderate", is_active=True,
                                                include_superusers=True)
    return [user for user in users if user.email]


def do_start_surge(statement_id: int, *, per_minute: int, now: datetime | None = None) -> bool:
    """Switch a statement to surge mode for SIGN_SURGE_MINUTES: signing needs proof of work,
    sign-ons made meanwhile are held for review, and its moderators get one mail. Returns
    whether it switched (not when it was on already, or an editor paused it)."""
    now = now or timezone.now()
    with transaction.atomic():
        statement = (Statement.objects.select_for_update().defer("body", "body_html")
                     .filter(pk=statement_id).first())
        if statement is None or not statement.surge_may_start(now):
            return False
        until = now + timedelta(minutes=_surge_minutes())
        Statement.objects.filter(pk=statement_id).update(surge_started_at=now, surge_until=until)
        # The page and every process's copy of the row (statements.lookup) learn of it, so
        # the form asks for proof of work at once.
        pages.statement_changed(statement_id, row=True)
        audit.record(None, "statement.surge.start", statement, per_minute=per_minute,
                     until=until.isoformat())
        admin_url = absolute(reverse("admin:statements_statement_change", args=[statement_id]))
        queue_url = absolute(reverse("admin:signatures_signature_changelist")
                             + f"?statement={statement_id}&status=held")
        for user in signature_moderators():
            queue_mail(user.email, "statements/mail/surge.txt",
                       {"statement": statement, "per_minute": per_minute, "until": until,
                        "admin_url": admin_url, "queue_url": queue_url},
                       language=settings.LANGUAGE_CODE, data_rights=False)
    return True


def do_end_surge(statement: Statement, *, actor: Any, now: datetime | None = None) -> bool:
    """An editor switches surge mode off: signing is open without proof of work again, the
    sign-ons made in the surge are no longer held when confirmed (those already held stay in
    the queue), and it does not switch itself on again for SIGN_SURGE_MINUTES."""
    now = now or timezone.now()
    with transaction.atomic():
        current = Statement.objects.select_for_update().filter(pk=statement.pk).first()
        if current is None or current.surge_until is None:
            return False
        Statement.objects.filter(pk=statement.pk).update(
            surge_started_at=None, surge_until=None,
            surge_paused_until=now + timedelta(minutes=_surge_minutes()))
        pages.statement_changed(statement.pk, row=True)
        audit.record(actor, "statement.surge.end", current)
    return True


def refresh_ended_surges(now: datetime) -> int:
    """A surge that ended by itself changed nothing in the database, but the cached statement
    page still carries the proof-of-work widget: mark the pages of surges that ended in the
    last quarter of an hour stale (the scheduler runs this every few minutes; refreshing a page
    twice is harmless). Returns how many statements."""
    ended = list(Statement.objects.filter(surge_until__lte=now,
                                          surge_until__gt=now - timedelta(minutes=15))
                 .values_list("pk", flat=True))
    if ended:
        pages.statement_changed(*ended, row=True)
    return len(ended)
