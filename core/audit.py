"""The audit log: who did what, when. Every editor and moderator action writes one entry."""

from __future__ import annotations

from typing import Any

from django.db import models

from core.models import AuditEntry


def record(actor: Any, action: str, target: models.Model | None = None, **detail: Any) -> AuditEntry:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=user.get_username() if user else str(actor or "system"),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        detail=detail,
    )
