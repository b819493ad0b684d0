from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.colours import check_accent


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit entry through the ORM."""


class AuditEntryQuerySet(models.QuerySet):
    # An audit log that its subjects can rewrite proves nothing: bulk changes are refused here,
    # and the admin offers neither change nor delete (core/admin.py).
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditLogIsAppendOnly("audit entries cannot be changed")

    def delete(self) -> NoReturn:
        raise AuditLogIsAppendOnly("audit entries cannot be deleted")


class AuditEntry(models.Model):
    """An editor's or moderator's action. Written once, never edited (the admin is read-only)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogIsAppendOnly("audit entries cannot be deleted")


class SiteSettings(models.Model):
    """The coalition's own site: its name, look and contact, set by editors in the admin.

    One record (pk 1); without it the site looks as it always has (``core.site.DEFAULTS``).
    Read through ``core.site.current()``, a per-process copy; changed through
    ``core.site.do_save_site_settings``, which refreshes every cached page."""

    name = models.CharField(_("site name"), max_length=80, default="undersigned",
                            help_text=_("Shown in the header, page titles, the admin and mails."))
    tagline = models.CharField(_("tagline"), max_length=160, blank=True,
                               help_text=_("A short line under the name in the header."))
    logo = models.CharField(_("logo"), max_length=200, blank=True, editable=False)
    logo_width = models.PositiveIntegerField(default=0, editable=False)
    logo_height = models.PositiveIntegerField(default=0, editable=False)
    accent = models.CharField(
        _("accent colour"), max_length=7, default="#8a1c1c", validators=[check_accent],
        help_text=_("Links and buttons, as #rrggbb. It must be dark enough for white text "
                    "and for links on the page (a contrast of at least 4.5 to 1)."))
    footer_text = models.CharField(
        _("footer text"), max_length=300, blank=True,
        help_text=_("Shown at the foot of every page instead of the default line."))
    contact_email = models.EmailField(
        _("contact address"), blank=True,
        help_text=_("Shown at the foot of every page and on the privacy page."))

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")

    def __str__(self) -> str:
        return str(_("Site settings"))
