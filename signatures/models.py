"""Sign-ons: individuals and organisations on a statement's one signatory list."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from statements.models import Organisation, Revision, Statement


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class SignatureQuerySet(models.QuerySet):
    def visible(self) -> SignatureQuerySet:
        return self.filter(status=Signature.Status.VISIBLE)

    def organisations(self) -> SignatureQuerySet:
        return self.filter(kind=Signature.Kind.ORGANISATION)

    def individuals(self) -> SignatureQuerySet:
        return self.filter(kind=Signature.Kind.INDIVIDUAL)

    def named(self) -> SignatureQuerySet:
        return self.filter(show_name=True)


class Signature(models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        ORGANISATION = "organisation", _("On behalf of an organisation")

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Unconfirmed")
        HELD = "held", _("Held for review")
        VISIBLE = "visible", _("Visible")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        FORM = "form", _("Signed through the form")
        EDITOR = "editor", _("Recorded by the editors")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="signatures")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.UNCONFIRMED)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices,
                              default=Source.FORM)
    name = models.CharField(_("name"), max_length=200, blank=True)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    show_name = models.BooleanField(_("show name publicly"), default=True)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="signatures",
                                     verbose_name=_("linked organisation"))
    revision = models.ForeignKey(Revision, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("confirmed revision"))
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["confirmed_at", "id"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        permissions = [
            ("moderate", _("Can approve and reject signatures")),
            ("export", _("Can export the public list")),
            ("export_emails", _("Can export the list with email addresses")),
        ]
        indexes = [
            models.Index(fields=["statement", "status", "kind", "confirmed_at", "id"],
                         name="signature_list_order"),
        ]

    def __str__(self) -> str:
        return self.organisation_name if self.kind == self.Kind.ORGANISATION else self.name

    @property
    def display_name(self) -> str:
        return str(self)
