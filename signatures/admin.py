"""The moderation queue: held sign-ons per statement, approved or rejected in bulk; exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from signatures import actions, exports
from signatures.models import Signature
from statements.models import Statement


class StatusFilter(admin.SimpleListFilter):
    """Opens on the queue (held); every other status one click away."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [*Signature.Status.choices, ("all", _("All"))]

    def choices(self, changelist: Any) -> Any:
        current = self.value() or Signature.Status.HELD
        for value, label in self.lookup_choices:
            yield {"selected": current == value, "display": label,
                   "query_string": changelist.get_query_string({self.parameter_name: value})}

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value() or Signature.Status.HELD
        if value == "all":
            return queryset
        return queryset.filter(status=value)


class StatementFilter(admin.SimpleListFilter):
    title = _("statement")
    parameter_name = "statement"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(pk), title) for pk, title in
                Statement.objects.exclude(status=Statement.Status.DRAFT)
                .order_by("-published_at").values_list("pk", "title")[:200]]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(statement_id=int(value))
        return queryset


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "status", "organisation_name", "role", "country",
                    "comment_preview", "statement", "confirmed_at"]
    list_filter = [StatementFilter, StatusFilter, "kind", "source", "country", "confirmed_at",
                   "comment_approved"]
    search_fields = ["name", "organisation_name"]
    date_hierarchy = "created_at"
    list_select_related = ["statement", "organisation"]
    list_per_page = 100
    show_full_result_count = False
    actions = ["approve", "reject", "approve_comments", "hide_comments"]
    autocomplete_fields = ["organisation"]
    fields: ClassVar[tuple[str, ...]] = (
        "statement", "kind", "status", "source", "referrer", "name", "organisation_name", "role",
        "country", "email", "show_name", "wants_contact", "comment", "comment_approved",
        "organisation", "revision", "language", "created_at", "confirmed_at")

    @admin.display(description=_("comment"))
    def comment_preview(self, signature: Signature) -> str:
        return (signature.comment[:80] + "…") if len(signature.comment) > 80 else signature.comment

    def get_fields(self, request: HttpRequest, obj: Signature | None = None) -> tuple[str, ...]:
        if request.user.has_perm("signatures.export_emails"):
            return self.fields
        return tuple(f for f in self.fields if f != "email")  # only authorised editors see addresses

    def get_readonly_fields(self, request: HttpRequest, obj: Signature | None = None) -> list[str]:
        # Status changes go through the actions (counters, audit); only the link is edited here.
        return [f for f in self.fields if f != "organisation"]

    def get_list_display(self, request: HttpRequest) -> list[str | Callable[[Any], str | bool]]:
        return list(self.list_display)

    def lookup_allowed(self, lookup: str, value: Any, request: HttpRequest) -> bool:
        # The admin filters by any local field from the query string: ?email__startswith=a
        # would spell an address out letter by letter to someone who may not see it.
        if (lookup.split("__")[0] == "email"
                and not request.user.has_perm("signatures.export_emails")):
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Signature | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Signature, form: Any, change: bool) -> None:
        if "organisation" in form.changed_data:
            actions.do_link_organisation(obj, obj.organisation, actor=request.user)

    def _may_moderate(self, request: HttpRequest) -> bool:
        if request.user.has_perm("signatures.moderate"):
            return True
        self.message_user(request, _("You may not moderate signatures."), messages.ERROR)
        return False

    @admin.action(description=_("Approve the selected signatures (show them)"))
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        if self._may_moderate(request):
            done = actions.do_approve(queryset, actor=request.user)
            self.message_user(request, ngettext(
                "%(n)d signature approved.",
                "%(n)d signatures approved.",
                done) % {"n": done})

    @admin.action(description=_("Reject the selected signatures (never shown)"))
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        if self._may_moderate(request):
            done = actions.do_reject(queryset, actor=request.user)
            self.message_user(request, ngettext(
                "%(n)d signature rejected.",
                "%(n)d signatures rejected.",
                done) % {"n": done})

    @admin.action(description=_("Approve the comments of the selected signatures"))
    def approve_comments(self, request: HttpRequest, queryset: QuerySet) -> None:
        if self._may_moderate(request):
            done = actions.do_moderate_comments(queryset, actor=request.user, approve=True)
            self.message_user(request, ngettext(
                "%(n)d comment approved.",
                "%(n)d comments approved.",
                done) % {"n": done})

    @admin.action(description=_("Hide the comments of the selected signatures"))
    def hide_comments(self, request: HttpRequest, queryset: QuerySet) -> None:
        if self._may_moderate(request):
            done = actions.do_moderate_comments(queryset, actor=request.user, approve=False)
            self.message_user(request, ngettext(
                "%(n)d comment hidden.",
                "%(n)d comments hidden.",
                done) % {"n": done})

    # --- exports -------------------------------------------------------------------------------

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("export/<int:statement_id>/", view(self.export_public),
                 name="signatures_signature_export"),
            path("export/<int:statement_id>/emails/", view(self.export_emails),
                 name="signatures_signature_export_emails"),
            *super().get_urls(),
        ]

    def export_public(self, request: HttpRequest, statement_id: int) -> StreamingHttpResponse:
        if not request.user.has_perm("signatures.export"):
            raise PermissionDenied
        statement = get_object_or_404(Statement, pk=statement_id)
        return exports.export_response(statement, request.user, with_emails=False)

    def export_emails(self, request: HttpRequest, statement_id: int) -> StreamingHttpResponse:
        if not request.user.has_perm("signatures.export_emails"):
            raise PermissionDenied
        statement = get_object_or_404(Statement, pk=statement_id)
        return exports.export_response(statement, request.user, with_emails=True)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None
                        ) -> HttpResponse:
        statement_id = request.GET.get("statement", "")
        links = []
        if statement_id.isdigit():
            if request.user.has_perm("signatures.export"):
                links.append((reverse("admin:signatures_signature_export",
                                      args=[int(statement_id)]),
                              _("Export the public list (CSV)")))
                # The list to hand over (the delivery app, above this one: named by its URL).
                slug = Statement.objects.filter(pk=int(statement_id)).values_list(
                    "slug", flat=True).first()
                if slug is not None:
                    links.append((reverse("delivery:print", args=[slug]),
                                  _("Printable list and PDF")))
            if request.user.has_perm("signatures.export_emails"):
                links.append((reverse("admin:signatures_signature_export_emails",
                                      args=[int(statement_id)]),
                              _("Export with email addresses (CSV, editors only)")))
        return super().changelist_view(request, {**(extra_context or {}),
                                                 "export_links": links})
