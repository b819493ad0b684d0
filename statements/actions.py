"""State changes of statements: one transaction each, an audit entry, revisions kept."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from core import audit, pagecache
from statements.models import Organisation, Revision, Statement, Translation


def record_revisions(statement: Statement, actor: Any) -> list[Revision]:
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
    """Cached public pages show the change (the page cache also bumps again on commit)."""
    pagecache.statement_changed(statement.pk)


def current_revision(statement: Statement) -> Revision | None:
    return (Revision.objects.filter(statement=statement, language=statement.language)
            .order_by("-number").first())


@transaction.atomic
def do_change_status(statement: Statement, status: str, actor: Any) -> Statement:
    previous = statement.status
    statement.status = status
    if status == Statement.Status.PUBLISHED and statement.published_at is None:
        statement.published_at = timezone.now()
    statement.save()
    record_revisions(statement, actor)
    audit.record(actor, f"statement.{status}", statement, previous=previous)
    _changed(statement)
    return statement


def do_publish(statement: Statement, actor: Any) -> Statement:
    return do_change_status(statement, Statement.Status.PUBLISHED, actor)


def do_close(statement: Statement, actor: Any) -> Statement:
    return do_change_status(statement, Statement.Status.CLOSED, actor)


def do_archive(statement: Statement, actor: Any) -> Statement:
    return do_change_status(statement, Statement.Status.ARCHIVED, actor)


@transaction.atomic
def do_save_statement(statement: Statement, actor: Any, *, created: bool,
                      previous_status: str | None = None) -> list[Revision]:
    """After an editor saved a statement, its translations and images (admin or import)."""
    statement.save()  # re-render now that images and translations are stored
    for version in statement.translations.all():
        version.save()
    revisions = record_revisions(statement, actor)
    audit.record(actor, "statement.create" if created else "statement.edit", statement,
                 revisions=[f"{r.language}#{r.number}" for r in revisions])
    if previous_status is not None and previous_status != statement.status:
        # The status field of the form is a change of status like the list's actions.
        audit.record(actor, f"statement.{statement.status}", statement, previous=previous_status)
    _changed(statement)
    return revisions


def find_or_create_organisation(name: str) -> Organisation:
    """The Organisation record for a name: an existing one by slug or name, else a new one."""
    slug = slugify(name, allow_unicode=True)[:190] or "organisation"
    found = (Organisation.objects.filter(slug=slug).first()
             or Organisation.objects.filter(name__iexact=name).first())
    if found:
        return found
    candidate, n = slug, 1
    while Organisation.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{slug}-{n}"
    return Organisation.objects.create(name=name, slug=candidate)
