"""The editors' workspace: statements, translations, images, organisations, categories."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db.models import ForeignKey, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from statements import actions
from statements.forms import StatementForm, StatementImageForm, TranslationForm
from statements.models import (
    Category,
    CategoryName,
    ImageText,
    Organisation,
    Revision,
    Statement,
    StatementImage,
    StatementIssuer,
    Translation,
)

if TYPE_CHECKING:
    from django.forms.models import BaseInlineFormSet

BODY_HELP = _(
    "Markdown. “> text” makes a pull quote; an image alone in its paragraph, "
    "![what it shows](file-name.jpg \"Caption. Credit: Name\"), makes a figure (upload the file "
    "under Images); “{lang=es}” at the start of a paragraph marks a passage in another language. "
    "HTML is shown as text. Guide: docs/statements.md.")


class IssuerInline(admin.TabularInline):
    model = StatementIssuer
    extra = 1
    autocomplete_fields = ["organisation"]
    ordering = ["position"]


class TranslationInline(admin.StackedInline):
    model = Translation
    form = TranslationForm
    # One blank form: without JavaScript the admin's "Add another" link does nothing. A blank
    # form left untouched is ignored on save.
    extra = 1
    fields = ["language", "kind", "title", "summary", "body", "confirmation_email_text",
              "share_text"]

    def get_formset(self, request: HttpRequest, obj: Statement | None = None, **kwargs: Any
                    ) -> type[BaseInlineFormSet[Any, Any, Any]]:
        kwargs.setdefault("help_texts", {"body": BODY_HELP})
        return super().get_formset(request, obj, **kwargs)


class ImageInline(admin.StackedInline):
    model = StatementImage
    form = StatementImageForm
    extra = 1  # as for translations: no JavaScript needed to add one
    readonly_fields = ["preview"]
    # Captions and credits in other languages are edited on the image's own page (an inline
    # cannot hold another inline).
    show_change_link = True

    @admin.display(description=_("preview"))
    def preview(self, image: StatementImage) -> str:
        resolved = image.resolved() if image.pk else None
        if not resolved:
            return "—"
        return format_html('<img src="{}" alt="{}" width="240">', resolved.src, image.alt)


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    fields: ClassVar[tuple[str, ...]] = ("language", "number", "title", "created_at", "created_by")
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    form = StatementForm
    list_display = ["title", "status", "language", "category", "published_at", "view_link"]
    list_filter = ["status", "category", "language"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [IssuerInline, TranslationInline, ImageInline, RevisionInline]
    actions = ["publish", "close", "archive", "end_surge"]
    readonly_fields = ["view_link", "history_link", "import_source", "surge_state"]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["title", "slug", "language", "summary", "body", "view_link",
                           "history_link", "import_source"]}),
        (_("Publication"), {"fields": ["status", "published_at", "category"]}),
        (_("Featured image"), {"fields": ["featured_image"]}),
        (_("Sharing"), {"fields": ["share_text"]}),
        (_("Signing"), {"fields": ["signing_deadline", "signature_goal",
                                   "signature_moderation", "show_signature_comments",
                                   "confirmation_email_text", "rejection_message",
                                   "proof_of_work", "surge_state"]}),
        (_("Comments"), {"fields": ["comment_moderation", "comment_reply_depth",
                                    "comments_locked_until", "comments_lock_mode"]}),
        (_("After signing"), {"fields": ["show_signed_revision", "public_handover_list",
                                         "show_daily_chart"]}),
    ]

    def get_form(self, request: HttpRequest, obj: Statement | None = None, change: bool = False,
                 **kwargs: Any) -> type[forms.ModelForm[Statement]]:
        kwargs.setdefault("help_texts", {"body": BODY_HELP})
        return super().get_form(request, obj, change, **kwargs)

    @admin.display(description=_("surge mode"))
    def surge_state(self, statement: Statement) -> str:
        if statement.surge_active():
            return _("On until %(until)s: signing needs proof of work and new sign-ons are held "
                     "for review. To switch it off, select this statement in the list and use "
                     "“Switch surge mode off”.") % {"until": statement.surge_until}
        return _("Off. It switches itself on when sign-ons arrive faster than %(rate)d a "
                 "minute.") % {"rate": actions.surge_threshold()}

    @admin.action(description=_("Switch surge mode off"), permissions=["change"])
    def end_surge(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = sum(actions.do_end_surge(statement, actor=request.user) for statement in queryset)
        self.message_user(request, ngettext(
            "Surge mode switched off on %(count)d statement.",
            "Surge mode switched off on %(count)d statements.",
            count) % {"count": count})

    @admin.display(description=_("page"))
    def view_link(self, statement: Statement) -> str:
        if not statement.pk:
            return "—"
        label = _("View the page") if statement.is_public else _("Preview the draft")
        return format_html('<a href="{}" target="_blank">{}</a>', statement.get_absolute_url(),
                           label)

    @admin.display(description=_("history"))
    def history_link(self, statement: Statement) -> str:
        """The public history of the text, where its revisions are compared (drafts have
        none yet)."""
        if not statement.pk or not statement.is_public:
            return "—"
        return format_html('<a href="{}" target="_blank">{}</a>',
                           reverse("statements:history-version",
                                   args=[statement.slug, statement.language]),
                           _("Revisions and what changed"))

    def formfield_for_foreignkey(self, db_field: ForeignKey[Any, Any], request: HttpRequest,
                                 **kwargs: Any) -> forms.ModelChoiceField[Any] | None:
        if db_field.name == "featured_image":
            # The images of the statement being changed (none yet while one is added).
            match = request.resolver_match
            object_id = match.kwargs.get("object_id") if match else None
            images = StatementImage.objects
            kwargs["queryset"] = images.filter(statement_id=object_id) if object_id else images.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Statement | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("statements.publish"):
            fields.append("status")
        return fields

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("statements.publish")

    def save_model(self, request: HttpRequest, obj: Statement, form: forms.ModelForm[Statement],
                   change: bool) -> None:
        # Remembered for the audit entry written once the inlines are saved too.
        obj._previous_status = (Statement.objects.filter(pk=obj.pk)
                                .values_list("status", flat=True).first()
                                if change else Statement.Status.DRAFT)
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: forms.ModelForm[Statement],
                     formsets: list[BaseInlineFormSet[Any, Any, Any]], change: bool) -> None:
        super().save_related(request, form, formsets, change)
        actions.do_save_statement(form.instance, actor=request.user, created=not change,
                                  previous_status=getattr(form.instance, "_previous_status", None))

    def _change_status(self, request: HttpRequest, queryset: QuerySet[Statement],
                       action: Callable[..., Statement]) -> None:
        if not self.has_publish_permission(request):
            self.message_user(request, _("You may not change the status of statements."),
                              messages.ERROR)
            return
        count = 0
        for statement in queryset:
            action(statement, actor=request.user)
            count += 1
        self.message_user(request, ngettext(
            "%(count)d statement updated.",
            "%(count)d statements updated.",
            count) % {"count": count})

    @admin.action(description=_("Publish the selected statements"), permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._change_status(request, queryset, actions.do_publish)

    @admin.action(description=_("Close signing on the selected statements"),
                  permissions=["publish"])
    def close(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._change_status(request, queryset, actions.do_close)

    @admin.action(description=_("Archive the selected statements"), permissions=["publish"])
    def archive(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._change_status(request, queryset, actions.do_archive)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "website"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class CategoryNameInline(admin.TabularInline):
    model = CategoryName
    extra = 1


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CategoryNameInline]


class ImageTextInline(admin.TabularInline):
    model = ImageText
    extra = 1


@admin.register(StatementImage)
class StatementImageAdmin(admin.ModelAdmin):
    """An image's own page, reached from its statement: its caption and credit in the
    languages of the statement's translations."""

    form = StatementImageForm
    list_display = ["source_name", "statement"]
    list_select_related = ["statement"]
    search_fields = ["source_name", "statement__title"]
    readonly_fields = ["statement"]
    inlines = [ImageTextInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # images are uploaded on their statement's page

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False  # not listed on the admin's index: reached from the statement

    def save_related(self, request: HttpRequest, form: forms.ModelForm[StatementImage],
                     formsets: list[BaseInlineFormSet[Any, Any, Any]], change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The texts' figures show the credit in their own language: render them again.
        actions.do_save_statement(form.instance.statement, actor=request.user, created=False)


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["statement", "language", "number", "created_at", "created_by"]
    list_filter = ["language"]
    readonly_fields = [f.name for f in Revision._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
