"""The audit log in the admin, and the mirror that copies every admin change into it.

Django's admin writes a LogEntry for each add, change and delete (bulk deletes included, through
``LogEntry.objects.log_actions`` and ``bulk_create``). Mirroring those here, centrally, means an
app's ModelAdmin cannot forget to audit: every change made through the admin is in the log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry, LogEntryManager
from django.contrib.admin.options import Action, ActionLocation
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat
from django.db.models.signals import post_save, pre_save
from django.http import HttpRequest

from core.audit import personal_label
from core.models import AuditEntry

ADMIN_ACTIONS = {ADDITION: "admin.add", CHANGE: "admin.change", DELETION: "admin.delete"}


def _personal_label(entry: LogEntry) -> str:
    if not entry.content_type_id:
        return ""
    # get_for_id is served from the content-type cache: no query per entry.
    return personal_label(ContentType.objects.get_for_id(entry.content_type_id).model_class())


def _safe_repr(entry: LogEntry) -> str:
    """Django logs ``str(obj)``, which for a signature or a comment is a person's name."""
    label = _personal_label(entry)
    return f"{label} #{entry.object_id}" if label else (entry.object_repr or "")


def mirror_log_entry(entry: LogEntry) -> AuditEntry:
    user = entry.user
    content_type = entry.content_type
    return AuditEntry.objects.create(
        actor=user,
        actor_name=user.get_username() if user else "system",
        action=ADMIN_ACTIONS.get(entry.action_flag, "admin.other"),
        target_type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
        target_id=str(entry.object_id or "")[:64],
        target_repr=_safe_repr(entry)[:200],
        detail={"change": entry.get_change_message()} if entry.change_message else {},
    )


def _on_log_entry_saved(sender: type, instance: LogEntry, created: bool, **_: Any) -> None:
    if created:
        mirror_log_entry(instance)


def _on_log_entry_saving(sender: type, instance: LogEntry, **_: Any) -> None:
    # The admin's own history ("Recent actions", an object's history) keeps no name either.
    if instance._state.adding:
        instance.object_repr = _safe_repr(instance)[:200]


pre_save.connect(_on_log_entry_saving, sender=LogEntry, dispatch_uid="core.audit.scrub")
post_save.connect(_on_log_entry_saved, sender=LogEntry, dispatch_uid="core.audit.mirror")

# A bulk action (e.g. "delete selected") logs through bulk_create, which sends no post_save.
_original_log_actions = LogEntryManager.log_actions
if not getattr(_original_log_actions, "_audited", False):
    def _log_actions(self: LogEntryManager, *args: Any, **kwargs: Any) -> Any:
        result = _original_log_actions(self, *args, **kwargs)
        if isinstance(result, list) and len(result) > 1:
            for entry in result:
                mirror_log_entry(entry)
            # bulk_create sent no pre_save: scrub the names it stored, one UPDATE per model.
            personal = [e for e in result if e.pk is not None and _personal_label(e)]
            for label in {_personal_label(e) for e in personal}:
                LogEntry.objects.filter(
                    pk__in=[e.pk for e in personal if _personal_label(e) == label],
                ).update(object_repr=Concat(Value(f"{label} #"), F("object_id"),
                                            output_field=TextField()))
            for entry in personal:
                entry.object_repr = _safe_repr(entry)
        return result

    _log_actions._audited = True  # type: ignore[attr-defined]
    LogEntryManager.log_actions = _log_actions  # type: ignore[method-assign]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Readable by editors and moderators; nobody can add, change or delete an entry."""

    list_display = ("created_at", "actor_name", "action", "target_type", "target_repr")
    list_filter = ("action", "target_type")
    search_fields = ("actor_name", "target_repr", "action")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest,
                    action_location: ActionLocation = ActionLocation.CHANGE_LIST
                    ) -> dict[str, Action | None]:
        return {}
