"""The record of each delivery of a statement's list: to whom, when, how, and the SHA-256 of
the file handed over, with the count and the revision at that moment."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from statements.models import Revision, Statement


class Delivery(models.Model):
    """A list handed over. The file itself is not kept (docs/delivery.md, "What is kept"): only
    its name, size and SHA-256, so that anyone holding a copy can check it against the record,
    and so that the names of signers who withdraw later do not live on in a stored file."""

    class Method(models.TextChoices):
        BY_HAND = "by-hand", _("By hand")
        EMAIL = "email", _("By email")
        POST = "post", _("By post")
        OTHER = "other", _("Other")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE,
                                  related_name="deliveries", verbose_name=_("statement"))
    recipient = models.CharField(_("recipient"), max_length=300,
                                 help_text=_("Who received the list, as the public may read it."))
    delivered_on = models.DateField(_("delivered on"))
    method = models.CharField(_("how"), max_length=12, choices=Method.choices,
                              default=Method.BY_HAND)
    method_detail = models.CharField(_("details"), max_length=300, blank=True,
                                     help_text=_("Anything worth saying about how, in a few "
                                                 "words (public)."))
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    # Read from the counters when the delivery was recorded: what was delivered, not what the
    # list says today.
    signature_count = models.PositiveIntegerField(_("signatures at that moment"))
    revision = models.ForeignKey(Revision, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("revision at that moment"))
    revision_number = models.PositiveIntegerField(_("revision number"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-delivered_on", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.recipient} ({self.delivered_on:%Y-%m-%d})"
