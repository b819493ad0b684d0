"""Editors write updates here, with their translations inline; publishing and mailing are
admin actions that call updates.actions (audited there)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from statements.forms import check_image_descriptions
from updates import actions
from updates.models import Update, UpdateTranslation

BODY_HELP = _("Markdown, as in a statement's text. HTML is shown as text. The mail to signers "
              "carries this text as it is written here.")


class UpdateTranslationForm(forms.ModelForm):
    class Meta:
        model = UpdateTranslation
        fields = ["language", "title", "body"]

    def clean_body(self) -> str:
        return check_image_descriptions(self.cleaned_data.get("body", ""))


class UpdateTranslationInline(admin.StackedInline):
    model = UpdateTranslation
    form = UpdateTranslationForm
    # One blank form: without JavaScript the admin's "Add another" link does nothing.
    extra = 1


class UpdateForm(forms.ModelForm):
    class Meta:
        model = Update
        fields = ["statement", "title", "body"]
        help_texts = {"body": BODY_HELP}

    def clean_body(self) -> str:
        return check_image_descriptions(self.cleaned_data.get("body", ""))


@admin.register(Update)
class UpdateAdmin(admin.ModelAdmin):
    form = UpdateForm
    inlines = [UpdateTranslationInline]
    list_display = ["title", "statement", "published_at", "sent_at", "recipients"]
    list_filter = ["statement"]
    search_fields = ["title"]
    readonly_fields = ["published_at", "sent_at", "recipients", "created_by"]
    autocomplete_fields = ["statement"]
    actions = ["publish", "send"]

    def save_model(self, request: HttpRequest, obj: Update, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    def _may_send(self, request: HttpRequest) -> bool:
        if request.user.has_perm("updates.send"):
            return True
        self.message_user(request, _("You may not publish or send updates."), messages.ERROR)
        return False

    @admin.action(description=_("Publish the selected updates (on the page and in the feed)"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Update]) -> None:
        if not self._may_send(request):
            return
        for update in queryset:
            actions.do_publish_update(update, actor=request.user)
        self.message_user(request, ngettext("%(count)d update published.",
                                            "%(count)d updates published.",
                                            len(queryset)) % {"count": len(queryset)})

    @admin.action(description=_("Mail the selected updates to the signers who asked for news"))
    def send(self, request: HttpRequest, queryset: QuerySet[Update]) -> None:
        if not self._may_send(request):
            return
        for update in queryset:
            try:
                count = actions.do_send_update(update, actor=request.user)
            except actions.NotPublished:
                self.message_user(request, _("“%(title)s” is not published yet: publish it "
                                             "first.") % {"title": update.title}, messages.ERROR)
            except actions.AlreadySent:
                self.message_user(request, _("“%(title)s” was sent already; an update is sent "
                                             "only once.") % {"title": update.title},
                                  messages.WARNING)
            else:
                self.message_user(request, ngettext(
                    "“%(title)s” is being mailed to %(count)d signer.",
                    "“%(title)s” is being mailed to %(count)d signers.", count) % {
                    "title": update.title, "count": count})
