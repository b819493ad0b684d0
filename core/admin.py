"""The audit log in the admin, and the mirror that copies every admin change into it.

Django's admin writes a LogEntry for each add, change and delete (bulk deletes included, through
``LogEntry.objects.log_actions`` and ``bulk_create``). Mirroring those here, centrally, means an
app's ModelAdmin cannot forget to audit: every change made through the admin is in the log.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry, LogEntryManager
from django.contrib.admin.options import Action, ActionLocation
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat
from django.db.models.signals import post_save, pre_save
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from core.audit import personal_label
from core.images import check_image
from core.models import AuditEntry, SiteSettings
from core.site import do_save_site_settings, site_name, store_logo

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


class SiteSettingsForm(forms.ModelForm):
    logo_upload = forms.FileField(
        label=_("logo"), required=False,
        help_text=_("A JPEG, PNG, WebP or GIF image; shown beside the name, at most 48 pixels "
                    "high. Its metadata (such as a location) is removed."))
    remove_logo = forms.BooleanField(label=_("remove the logo"), required=False)

    class Meta:
        model = SiteSettings
        fields = ("name", "tagline", "accent", "footer_text", "contact_email")

    def clean_logo_upload(self) -> Any:
        upload = self.cleaned_data.get("logo_upload")
        if upload:
            self._logo_data = upload.read()
            check_image(self._logo_data)
        return upload


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    """One record: the list leads straight to it; nobody deletes it (the defaults would come
    back silently)."""

    form = SiteSettingsForm
    fields = ("name", "tagline", "logo_upload", "remove_logo", "accent", "footer_text",
              "contact_email")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not SiteSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None
                        ) -> HttpResponse:
        if SiteSettings.objects.filter(pk=1).exists():
            return redirect("admin:core_sitesettings_change", 1)
        return redirect("admin:core_sitesettings_add")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        changed = list(form.changed_data)
        if form.cleaned_data.get("remove_logo"):
            obj.logo, obj.logo_width, obj.logo_height = "", 0, 0
        if form.cleaned_data.get("logo_upload"):
            obj.logo, obj.logo_width, obj.logo_height = store_logo(form._logo_data)
        do_save_site_settings(request.user, obj, changed)


# The admin carries the coalition's name ("Django administration" otherwise), read when a page
# is drawn so that a change shows at once.
admin.site.site_header = admin.site.site_title = lazy(site_name, str)()
