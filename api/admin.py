"""Editors hand out API tokens here (docs/api.md, "Tokens").

A token's text is shown once, on the page that answers its creation, and never stored (only
its SHA-256 is). Tokens are never edited or deleted: a token that should stop working is
revoked, which is audited and keeps the record of who used what.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api import actions
from api.models import ApiToken
from api.tokens import Scope, scopes_of

SCOPE_LABELS = {
    Scope.READ: _("read: what the public pages show"),
    Scope.READ_PRIVATE: _("read private: the addresses of signers who agreed to be contacted "
                          "by the coalition (every read is logged)"),
    Scope.SIGN: _("sign: record sign-ons, each confirmed by its signer's email"),
}


class NewTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), widget=forms.CheckboxSelectMultiple, required=True,
        help_text=_("Give a token only what its integration needs."))

    class Meta:
        model = ApiToken
        fields = ["name"]

    def __init__(self, *args: Any, grantable: Collection[Scope] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scopes = self.fields["scopes"]
        assert isinstance(scopes, forms.MultipleChoiceField)
        scopes.choices = [(scope.value, SCOPE_LABELS[scope])
                                         for scope in Scope if scope in grantable]
        scopes.initial = [Scope.READ.value]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "scopes", "created_by", "created_at", "last_used_at",
                    "revoked_at"]
    list_filter = ["can_read_private", "can_sign"]
    search_fields = ["name", "prefix"]
    list_select_related = ["created_by"]
    actions = ["revoke"]
    readonly_fields = ["name", "prefix", "scopes", "created_by", "created_at", "last_used_at",
                       "revoked_at"]

    @admin.display(description=_("scopes"))
    def scopes(self, token: ApiToken) -> str:
        return ", ".join(sorted(scopes_of(token)))

    def get_form(self, request: HttpRequest, obj: ApiToken | None = None, change: bool = False,
                 **kwargs: Any) -> Any:
        if obj is not None:  # a token is never edited: revoke it and make another
            kwargs["fields"] = []
            return super().get_form(request, obj, change, **kwargs)
        grantable = actions.grantable_scopes(request.user)

        class Form(NewTokenForm):
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, grantable=grantable, **inner)

        kwargs["form"] = Form
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> Any:
        return self.readonly_fields if obj is not None else ["name", "scopes"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            return
        token, text = actions.do_create_token(
            actor=request.user, name=form.cleaned_data["name"],
            scopes={Scope(value) for value in form.cleaned_data["scopes"]})
        obj.__dict__.update({key: value for key, value in token.__dict__.items()
                             if not key.startswith("_")})
        request.api_token_text = text  # type: ignore[attr-defined]  # read by response_add

    def response_add(self, request: HttpRequest, obj: ApiToken,
                     post_url_continue: str | None = None) -> HttpResponse:
        """The one page that shows the token's text: answered directly, never redirected to,
        so the text is in no URL, session or message store."""
        response = TemplateResponse(request, "admin/api/apitoken/created.html", {
            **self.admin_site.each_context(request),
            "title": _("Copy the new token now"),
            "token": obj, "text": getattr(request, "api_token_text", ""),
            "opts": self.model._meta,
        })
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(actions.do_revoke_token(actor=request.user, token=token)
                      for token in queryset)
        self.message_user(request, ngettext("%(count)d token revoked.",
                                            "%(count)d tokens revoked.", revoked)
                          % {"count": revoked}, messages.SUCCESS)
