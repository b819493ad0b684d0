"""Editors register webhook endpoints here; every change goes through webhooks.actions
(audited there). The secret is shown on the endpoint's page, rotated by an action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from webhooks import actions
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from webhooks.validation import check_endpoint_url


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("What is posted to this address."))

    # Set by the admin: whether the editor may choose the private scope.
    may_choose_private = False

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "statement", "events", "scope"]

    def clean_url(self) -> str:
        return check_endpoint_url(self.cleaned_data.get("url", ""))

    def clean_events(self) -> list[str]:
        chosen = self.cleaned_data.get("events") or []
        return [value for value, _label in Event.choices if value in chosen]

    def clean_scope(self) -> str:
        scope = self.cleaned_data.get("scope", WebhookEndpoint.Scope.PUBLIC)
        if scope == WebhookEndpoint.Scope.PRIVATE and not self.may_choose_private:
            raise forms.ValidationError(_(
                "Only editors who may export signers' email addresses may choose the private "
                "scope."))
        return scope

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Whoever may change where a private endpoint posts could send the addresses to
        # themselves: changing one at all needs the same permission as choosing it.
        if self.instance.pk is not None and \
                self.instance.scope == WebhookEndpoint.Scope.PRIVATE and \
                not self.may_choose_private:
            raise forms.ValidationError(_(
                "This endpoint receives signers' addresses: only editors who may export them "
                "may change it."))
        return cleaned


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["name", "url", "statement", "scope", "shown_status", "last_delivered_at",
                    "failing_since"]
    list_filter = ["status", "scope"]
    search_fields = ["name", "url"]
    readonly_fields = ["shown_secret", "status", "failing_since", "last_delivered_at",
                       "last_error", "created_at"]
    autocomplete_fields = ["statement"]
    actions = ["rotate_secret", "disable", "enable"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.may_choose_private = actions.may_choose_private(request.user)  # type: ignore[attr-defined]  # EndpointForm's flag
        return form

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    @admin.display(description=_("status"), ordering="status")
    def shown_status(self, endpoint: WebhookEndpoint) -> str:
        if endpoint.status == WebhookEndpoint.Status.FAILING:
            return format_html("<strong>{}</strong>", endpoint.get_status_display())
        return endpoint.get_status_display()

    @admin.display(description=_("signing secret"))
    def shown_secret(self, endpoint: WebhookEndpoint) -> str:
        return format_html(
            "<code>{}</code><br>{}", endpoint.secret,
            _("The receiver checks each request's webhook-signature header with this secret "
              "(Standard Webhooks). Keep it secret; rotate it if it leaked."))

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any,
                   change: bool) -> None:
        if change:
            actions.do_update_endpoint(obj, actor=request.user)
        else:
            actions.do_create_endpoint(obj, actor=request.user)
            self.message_user(request, _("The endpoint’s signing secret is shown on its page; "
                                         "give it to the receiver."), messages.INFO)

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        actions.do_delete_endpoint(obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]
                        ) -> None:
        for endpoint in queryset:
            actions.do_delete_endpoint(endpoint, actor=request.user)

    @admin.action(description=_("Rotate the signing secret (the old one works for a day)"),
                  permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]
                      ) -> None:
        for endpoint in queryset:
            actions.do_rotate_secret(endpoint, actor=request.user)
        self.message_user(request, ngettext("%(count)d secret rotated.",
                                            "%(count)d secrets rotated.",
                                            len(queryset)) % {"count": len(queryset)})

    @admin.action(description=_("Disable the selected endpoints"), permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            actions.do_set_status(endpoint, WebhookEndpoint.Status.DISABLED, actor=request.user)
        self.message_user(request, _("Disabled."))

    @admin.action(description=_("Enable the selected endpoints again"), permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            actions.do_set_status(endpoint, WebhookEndpoint.Status.ACTIVE, actor=request.user)
        self.message_user(request, _("Enabled."))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """What went out and what waits: read only (the worker writes these rows)."""

    list_display = ["message_id", "endpoint", "event", "object_id", "status", "attempts",
                    "created_at", "next_attempt_at", "delivered_at", "last_error"]
    list_filter = ["status", "event", "endpoint"]
    list_select_related = ["endpoint"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
