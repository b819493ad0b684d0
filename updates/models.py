"""Updates: news about a statement that its editors write, show on its page and in its feed,
and mail to the signers who asked for it (docs/updates.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.rendering import text_direction
from signatures.models import Signature
from statements.models import Statement, TranslatedText


class UpdateQuerySet(models.QuerySet):
    def published(self) -> UpdateQuerySet:
        return self.filter(published_at__isnull=False)


class Update(models.Model):
    """One piece of news, in the statement's canonical language; ``translations`` hold the
    other languages."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="updates",
                                  verbose_name=_("statement"))
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body (Markdown)"), blank=True)
    body_html = models.TextField(editable=False, blank=True)
    # Set by do_publish_update: the update is on the page and in the feed from then on.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    # Set once, by do_send_update, in the transaction that queues the mails: a second send is
    # refused (a double click, two editors at once).
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    recipients = models.PositiveIntegerField(_("recipients"), default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   editable=False, verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("update")
        verbose_name_plural = _("updates")
        permissions = [("send", _("Can publish updates and mail them to signers"))]
        indexes = [models.Index(fields=["statement", "published_at"],
                                name="update_statement_published")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Rendered and sanitised once, on save, as a statement's body is (core.rendering).
        self.body_html = self.statement.render_body(self.body, self.statement.language)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    @property
    def language(self) -> str:
        return self.statement.language

    @property
    def direction(self) -> str:
        return text_direction(self.language)

    @property
    def anchor(self) -> str:
        """The element id of the update on the statement page (the feed links to it)."""
        return f"update-{self.pk}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def version_for(self, language: str) -> Update | UpdateTranslation:
        """The text a reader (or a signer) of ``language`` gets: its translation when there is
        one, else the canonical text. Reads prefetched translations when there are some."""
        if language != self.statement.language:
            for version in self.translations.all():
                if version.language == language:
                    return version
        return self


class UpdateTranslation(TranslatedText):
    """An update in another language, under the same rules as a statement's translation."""

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="translations")

    class Meta(TranslatedText.Meta):
        constraints = [models.UniqueConstraint(fields=["update", "language"],
                                               name="unique_update_translation_language")]
        verbose_name = _("translation")
        verbose_name_plural = _("translations")

    def clean(self) -> None:
        super().clean()
        statement = self.update.statement if self.update_id else None
        if statement is not None and self.language == statement.language:
            raise ValidationError({"language": _(
                "This is the statement's own language: write that text in the update itself.")})

    def owning_statement(self) -> Statement:
        return self.update.statement


class UpdateMail(models.Model):
    """One update mail waiting to leave: the update and the signature, nothing else.

    Written for every consenting signer at once by one INSERT … SELECT (updates.actions), read
    and deleted in batches by the task worker (updates.tasks). Who the mail goes to, in which
    language, and whether they still want it are read from the signature when the mail leaves,
    so a withdrawal, an erasure or an unsubscribe in between is honoured. No address, no name:
    a row is deleted once its mail is sent, or by the maintenance schedule when it is old.
    """

    id = models.BigAutoField(primary_key=True)
    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="+",
                               db_index=False)
    signature = models.ForeignKey(Signature, on_delete=models.CASCADE, related_name="+")
    queued_at = models.DateTimeField()

    class Meta:
        verbose_name = _("update mail waiting to be sent")
        verbose_name_plural = _("update mails waiting to be sent")
        constraints = [models.UniqueConstraint(fields=["update", "signature"],
                                               name="one_update_mail_per_signature")]

    def __str__(self) -> str:
        return f"update {self.update_id} to signature {self.signature_id}"
