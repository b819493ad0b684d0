"""Editors record a delivery: they upload the file handed over, the server hashes it as the
upload is read and keeps the hash, the name and the size (not the file: docs/delivery.md)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from delivery import actions
from delivery.models import Delivery

# What an editor may upload as the file handed over (the server's own request limit is 20 MB).
MAX_FILE_BYTES = 19 * 1024 * 1024


class DeliveryForm(forms.ModelForm):
    handed_over = forms.FileField(
        label=_("The file handed over"),
        help_text=_("The PDF or CSV exactly as delivered. It is not kept: the site computes "
                    "and publishes its SHA-256, so that anyone holding a copy can check it."))

    class Meta:
        model = Delivery
        fields = ["statement", "recipient", "delivered_on", "method", "method_detail"]

    def clean_handed_over(self) -> Any:
        upload = self.cleaned_data["handed_over"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("This file is larger than 19 MB."))
        return upload


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["recipient", "statement", "delivered_on", "method", "signature_count",
                    "sha256"]
    list_filter = ["statement", "method"]
    search_fields = ["recipient", "sha256"]
    date_hierarchy = "delivered_on"
    list_select_related = ["statement"]
    form = DeliveryForm
    readonly = ["statement", "recipient", "delivered_on", "method", "method_detail", "file_name",
                "file_size", "sha256", "signature_count", "revision_number", "created_by",
                "created_at"]

    def get_form(self, request: HttpRequest, obj: Delivery | None = None, change: bool = False,
                 **kwargs: Any) -> Any:
        if obj is not None:  # a record is not edited: it says what was delivered
            kwargs["form"] = forms.ModelForm
            kwargs["fields"] = []
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Delivery | None = None) -> Any:
        if obj is not None:
            return self.readonly
        return ["statement", "recipient", "delivered_on", "method", "method_detail",
                "handed_over"]

    def get_readonly_fields(self, request: HttpRequest, obj: Delivery | None = None) -> Any:
        return self.readonly if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Delivery, form: Any, change: bool) -> None:
        upload = form.cleaned_data["handed_over"]
        delivery = actions.do_record_delivery(
            obj.statement, recipient=obj.recipient, delivered_on=obj.delivered_on,
            method=obj.method, method_detail=obj.method_detail,
            handed_over=actions.hash_chunks(upload.name or "", upload.chunks()),
            actor=request.user)
        # The admin goes on with the object it saved (its message, its redirect).
        obj.pk = delivery.pk
        obj.__dict__.update({k: v for k, v in delivery.__dict__.items() if k != "_state"})
        obj._state.adding = False
