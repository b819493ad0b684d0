"""The moderators' workspace: the queue with bulk actions, bans, the one-click lockdown, and the
site's word lists. Every action goes through comments.actions, which writes the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from comments import actions
from comments.models import Ban, Comment, ModerationSettings
from core import audit
from statements.models import Statement

EMAIL_PERMISSION = "signatures.export_emails"
BAN_DAYS = [(1, _("1 day")), (7, _("7 days")), (30, _("30 days")), (365, _("1 year"))]
LOCK_HOURS = [(1, _("1 hour")), (6, _("6 hours")), (24, _("24 hours")), (72, _("3 days")),
              (168, _("7 days"))]


class BanForm(forms.Form):
    kind = forms.ChoiceField(label=_("Ban"), choices=Ban.Kind.choices, widget=forms.RadioSelect)
    days = forms.TypedChoiceField(label=_("For"), choices=BAN_DAYS, coerce=int, initial=7)
    note = forms.CharField(label=_("Note for other moderators"), max_length=200, required=False)
    also_spam = forms.BooleanField(label=_("Also mark these comments as spam"), required=False,
                                   initial=True)


class LockdownForm(forms.Form):
    statement = forms.ModelChoiceField(label=_("Statement"), queryset=Statement.objects.public())
    mode = forms.ChoiceField(label=_("Lockdown"), widget=forms.RadioSelect, initial="hold",
                             choices=[("hold", _("Hold every new comment for review")),
                                      ("close", _("Close comments"))])
    hours = forms.TypedChoiceField(label=_("For"), choices=LOCK_HOURS, coerce=int, initial=24)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "name", "email", "statement", "status", "reason", "created_at",
                    "public_link"]
    list_filter = ["status", "removal", "statement"]
    search_fields = ["name", "email", "body"]
    date_hierarchy = "created_at"
    list_select_related = ["statement"]
    list_per_page = 100
    actions = ["approve", "mark_spam", "remove", "hold", "ban"]
    readonly_fields: ClassVar[tuple[str, ...]] = (
        "statement", "parent", "status", "removal", "reason", "name", "email", "website", "body",
        "rendered", "created_at", "edited_at", "moderated_at", "moderated_by", "notify", "ip_hash")
    fields: ClassVar[tuple[str, ...]] = readonly_fields
    change_list_template = "comments/admin/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # "remove" keeps the thread and the audit trail

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # nothing is edited by hand; moderation happens through the actions

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("comments.moderate")

    # Commenters' addresses, like signers', are for the editors allowed to export addresses
    # (signatures/admin.py); moderators judge a comment by what it says, not by who sent it.
    @staticmethod
    def _sees_addresses(request: HttpRequest) -> bool:
        return request.user.has_perm(EMAIL_PERMISSION)

    def get_list_display(self, request: HttpRequest) -> list[str | Callable[[Any], str | bool]]:
        shown = list(self.list_display)
        return shown if self._sees_addresses(request) else [f for f in shown if f != "email"]

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        fields = list(self.search_fields)
        return fields if self._sees_addresses(request) else [f for f in fields if f != "email"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = self.fields
        return fields if self._sees_addresses(request) else tuple(f for f in fields if f != "email")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.get_fields(request, obj)

    def lookup_allowed(self, lookup: str, value: Any, request: HttpRequest) -> bool:
        # The admin filters by any local field from the query string: ?email__startswith=a
        # would spell an address out letter by letter to someone who may not see it.
        if lookup.split("__")[0] in ("email", "email_key") and not self._sees_addresses(request):
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("comment"))
    def excerpt(self, comment: Comment) -> str:
        text = " ".join(comment.body.split())
        return text[:120] + ("…" if len(text) > 120 else "")

    @admin.display(description=_("rendered"))
    def rendered(self, comment: Comment) -> str:
        return format_html("<div>{}</div>", comment.body_html)  # sanitised when saved

    @admin.display(description=_("link"))
    def public_link(self, comment: Comment) -> str:
        if not comment.listed:
            return "—"
        return format_html('<a href="{}">#{}</a>',
                           reverse("comments:permalink", args=[comment.pk]), comment.pk)

    @admin.action(description=_("Approve selected comments"), permissions=["moderate"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = actions.do_approve(queryset, actor=request.user)
        self.message_user(request, ngettext(
            "%(count)d comment approved.",
            "%(count)d comments approved.",
            count) % {"count": count})

    @admin.action(description=_("Mark selected comments as spam"), permissions=["moderate"])
    def mark_spam(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = actions.do_mark_spam(queryset, actor=request.user)
        self.message_user(request, ngettext(
            "%(count)d comment marked as spam.",
            "%(count)d comments marked as spam.",
            count) % {"count": count})

    @admin.action(description=_("Remove selected comments"), permissions=["moderate"])
    def remove(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = actions.do_remove(queryset, actor=request.user)
        self.message_user(request, ngettext(
            "%(count)d comment removed.",
            "%(count)d comments removed.",
            count) % {"count": count})

    @admin.action(description=_("Send selected comments back to the queue"),
                  permissions=["moderate"])
    def hold(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = actions.do_hold(queryset, actor=request.user)
        self.message_user(request, ngettext(
            "%(count)d comment held.",
            "%(count)d comments held.",
            count) % {"count": count})

    @admin.action(description=_("Ban the address or IP hash of selected comments for N days"),
                  permissions=["moderate"])
    def ban(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = BanForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            bans = actions.do_ban(queryset, actor=request.user, kind=form.cleaned_data["kind"],
                                  days=form.cleaned_data["days"], note=form.cleaned_data["note"])
            if form.cleaned_data["also_spam"]:
                actions.do_mark_spam(queryset, actor=request.user)
            self.message_user(request, ngettext(
                "%(count)d ban created.",
                "%(count)d bans created.",
                len(bans)) % {"count": len(bans)})
            return None
        context = {**self.admin_site.each_context(request), "title": _("Ban for some days"),
                   "form": form, "comments": queryset, "opts": self.model._meta,
                   "action_checkbox_name": ACTION_CHECKBOX_NAME}
        return TemplateResponse(request, "comments/admin/ban.html", context)

    def get_urls(self) -> list:
        extra = [path("lockdown/", self.admin_site.admin_view(self.lockdown_view),
                      name="comments_comment_lockdown")]
        return extra + super().get_urls()

    def lockdown_view(self, request: HttpRequest) -> HttpResponse:
        """One click in a flood: hold or close a statement's comments for a chosen time."""
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "lift" in request.POST:
            statement = Statement.objects.filter(pk=request.POST["lift"]).first()
            if statement is not None:
                actions.do_lift_lockdown(statement, actor=request.user)
                messages.success(request, _("Lockdown lifted."))
            return HttpResponseRedirect(request.path)
        form = LockdownForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            until = timezone.now() + timedelta(hours=form.cleaned_data["hours"])
            actions.do_lockdown(form.cleaned_data["statement"], actor=request.user,
                                mode=form.cleaned_data["mode"], until=until)
            messages.success(request, _("Lockdown in force."))
            return HttpResponseRedirect(request.path)
        locked = Statement.objects.filter(comments_locked_until__gt=timezone.now())
        context = {**self.admin_site.each_context(request), "title": _("Comment lockdown"),
                   "form": form, "locked": locked, "opts": self.model._meta}
        return TemplateResponse(request, "comments/admin/lockdown.html", context)


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "until", "created_by", "note"]
    list_filter = ["kind"]
    actions = ["lift"]
    readonly_fields = ["kind", "until", "created_by", "note"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # bans are made from the comment queue, where the hash is known

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever may ban (from the comment queue) may see and lift the bans.
        return (request.user.has_perm("comments.moderate")
                or super().has_view_permission(request, obj))

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("comments.moderate")

    @admin.action(description=_("Lift selected bans now"), permissions=["moderate"])
    def lift(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for ban in queryset:
            actions.do_lift_ban(ban, actor=request.user)
            count += 1
        self.message_user(request, ngettext(
            "%(count)d ban lifted.",
            "%(count)d bans lifted.",
            count) % {"count": count})


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ModerationSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        settings_row = ModerationSettings.current()
        return HttpResponseRedirect(
            reverse("admin:comments_moderationsettings_change", args=[settings_row.pk]))

    def save_model(self, request: HttpRequest, obj: ModerationSettings, form: Any,
                   change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record(request.user, "comment.settings", obj, changed=form.changed_data)
