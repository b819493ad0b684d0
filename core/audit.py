"""The audit log: who did what, when. Every editor and moderator action writes one entry."""

from __future__ import annotations

from typing import Any

from django.db import models

from core.models import AuditEntry


def personal_label(model: type[models.Model] | None) -> str:
    """The word a record about a person is logged as ("signature", "comment"), or "".

    A model opts in with an ``audit_label`` attribute, so core names no domain app. Such a
    record is logged as ``<label> #<id>`` only: the log is kept forever and every moderator can
    search it, while the person may withdraw or be erased — a name or text copied here would
    outlive both."""
    return str(getattr(model, "audit_label", "") or "") if model is not None else ""


def describe(target: models.Model) -> str:
    label = personal_label(type(target))
    return f"{label} #{target.pk}" if label else str(target)[:200]


def record(actor: Any, action: str, target: models.Model | None = None, **detail: Any) -> AuditEntry:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=user.get_username() if user else str(actor or "system"),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=describe(target)[:200] if target is not None else "",
        detail=detail,
    )
