"""Sign-ons: individuals and organisations on a statement's one signatory list."""

from __future__ import annotations

import secrets
import unicodedata
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.addresses import mailbox
from statements.models import Organisation, Revision, Statement


def new_token_salt() -> str:
    return secrets.token_urlsafe(12)


def sort_key(text: str) -> str:
    """Case- and accent-insensitive key, so "José" sorts and is found with "jose"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()[:200]


def shown_name(kind: str, name: str, organisation_name: str) -> str:
    """The name a signature is listed (and sorted) by: the organisation's for an organisation."""
    return organisation_name if kind == Signature.Kind.ORGANISATION else name


class SignatureQuerySet(models.QuerySet):
    def for_address(self, email: str) -> SignatureQuerySet:
        """Signatures holding this address (stored normalised: an indexed equality)."""
        address = mailbox(email or "")
        return self.filter(email=address) if address else self.none()


    def visible(self) -> SignatureQuerySet:
        return self.filter(status=Signature.Status.VISIBLE)

    def held(self) -> SignatureQuerySet:
        return self.filter(status=Signature.Status.HELD)

    def unconfirmed(self) -> SignatureQuerySet:
        return self.filter(status=Signature.Status.UNCONFIRMED)

    def active(self) -> SignatureQuerySet:
        """Signatures an address holds: a second sign-on with the same address is refused."""
        return self.filter(status__in=Signature.ACTIVE_STATUSES)

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
        API = "api", _("Signed through the API")

    # A rejected address stays "taken" so a refused spammer cannot simply sign again;
    # a withdrawn signature frees its address (its personal data is erased).
    ACTIVE_STATUSES = (Status.UNCONFIRMED, Status.HELD, Status.VISIBLE, Status.REJECTED)

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
    # Stored normalised (trimmed, NFC, lower case): the unique constraint below then makes
    # " Ana@Example.org" and "ana@example.org" one signer.
    email = models.EmailField(_("email"), max_length=254, blank=True)
    show_name = models.BooleanField(_("show name publicly"), default=True)
    # Consent to the statement's updates (updates/), unticked by default; the signer may take it
    # back in one click from any update mail.
    wants_news = models.BooleanField(_("wants news about this statement"), default=False)
    # Consent to be contacted by the coalition, unticked by default: only these signers'
    # addresses are ever given to an integration (an API token with "read private", docs/api.md).
    wants_contact = models.BooleanField(_("agrees to be contacted by the coalition"),
                                        default=False)
    # Where an API sign-on came from (OSDI's ``referrer_data.source``): the tool or site that
    # sent it, as the token's holder names it. Blank for the form.
    referrer = models.CharField(_("referrer"), max_length=100, blank=True)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    comment_approved = models.BooleanField(_("comment approved"), default=False)
    sort_name = models.CharField(max_length=200, blank=True, editable=False)
    language = models.CharField(_("language"), max_length=12, default="en",
                                help_text=_("Interface language of the signer; mails use it."))
    organisation = models.ForeignKey(Organisation, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="signatures",
                                     verbose_name=_("linked organisation"))
    revision = models.ForeignKey(Revision, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("confirmed revision"))
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Mixed into every link token: changing it revokes all links mailed before.
    token_salt = models.CharField(max_length=32, default=new_token_salt, editable=False)
    mails_sent = models.PositiveSmallIntegerField(default=0, editable=False)
    last_mailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SignatureQuerySet.as_manager()
    # The audit log and the admin's history name it "signature #id", never the signer
    # (core/audit.py): they outlive a withdrawal or an erasure.
    audit_label = "signature"

    class Meta:
        ordering = ["confirmed_at", "id"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        permissions = [
            ("moderate", _("Can approve and reject signatures")),
            ("export", _("Can export the public list")),
            ("export_emails", _("Can export the list with email addresses")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "email"],
                condition=Q(status__in=["unconfirmed", "held", "visible", "rejected"])
                & ~Q(email=""),
                name="one_signature_per_address",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["individual", "organisation"]), name="signature_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["unconfirmed", "held", "visible", "rejected", "withdrawn"]),
                name="signature_status_valid"),
        ]
        indexes = [
            # The public list, both orders, one index each (keyset pagination walks them).
            models.Index(fields=["statement", "kind", "status", "show_name", "confirmed_at", "id"],
                         name="signature_list_confirmed"),
            models.Index(fields=["statement", "kind", "status", "show_name", "sort_name", "id"],
                         name="signature_list_alpha"),
            # "Has this address signed?" on every sign-on (the partial unique index cannot serve
            # it on SQLite: its condition is not implied by the query), and data-rights lookups.
            models.Index(fields=["email", "statement"], name="signature_address"),
            # The moderation queue and expiry.
            models.Index(fields=["status", "created_at"], name="signature_status_created"),
            # The API's people (docs/api.md): the signers who agreed to be contacted, walked by
            # id. Few of a million may have agreed, so only they are indexed.
            models.Index(fields=["status", "id"], condition=Q(wants_contact=True),
                         name="signature_contactable"),
        ]

    def __str__(self) -> str:
        return self.display_name or f"#{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.sort_name = sort_key(self.display_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and ({"name", "organisation_name"} & set(update_fields)):
            kwargs["update_fields"] = {*update_fields, "sort_name"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        if self.kind == self.Kind.ORGANISATION and self.organisation_id and self.organisation:
            return self.organisation.name
        return shown_name(self.kind, self.name, self.organisation_name)

    @property
    def is_organisation(self) -> bool:
        return self.kind == self.Kind.ORGANISATION


class SignatureCounter(models.Model):
    """Visible signatures of a statement, kept in step with every status change.

    Updated in the same transaction as the change, so the list never needs COUNT(*);
    ``undersigned reconcile-signature-counts`` recomputes them should they ever drift.
    """

    statement = models.OneToOneField(Statement, on_delete=models.CASCADE, primary_key=True,
                                     related_name="signature_counter")
    organisations = models.PositiveIntegerField(default=0)
    organisations_named = models.PositiveIntegerField(default=0)
    individuals = models.PositiveIntegerField(default=0)
    individuals_named = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("signature counter")
        verbose_name_plural = _("signature counters")

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.organisations} + {self.individuals}"

    @property
    def total(self) -> int:
        return self.organisations + self.individuals


class SignOn(models.Model):
    """A sign-on as the form sent it: validated, durably stored, not yet a signature.

    The signing request only appends one of these (a table without secondary indexes, so the
    append is cheap) and answers once it has committed; ``signatures.intake`` turns them into
    signatures and confirmation mails, many per transaction during a surge. A row lives for a
    fraction of a second; no page shows it. It holds the same personal data as the signature it
    becomes, and data-rights requests apply or erase it first (privacy.actions).
    """

    # No index on the statement: the table holds only the last moments' sign-ons, and an
    # index would be one more page to write on every append.
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="+",
                                  db_index=False)
    kind = models.CharField(max_length=12, choices=Signature.Kind.choices)
    name = models.CharField(max_length=200, blank=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=100, blank=True)
    email = models.EmailField(max_length=254)
    show_name = models.BooleanField(default=True)
    wants_news = models.BooleanField(default=False)
    wants_contact = models.BooleanField(default=False)
    source = models.CharField(max_length=8, choices=Signature.Source.choices,
                              default=Signature.Source.FORM)
    referrer = models.CharField(max_length=100, blank=True)
    comment = models.TextField(max_length=1000, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=12)
    # Computed when the sign-on arrives, so that applying it copies columns and runs no Python
    # per row (signatures.intake).
    sort_name = models.CharField(max_length=200, blank=True)
    token_salt = models.CharField(max_length=32, default=new_token_salt)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name = _("sign-on waiting to be applied")
        verbose_name_plural = _("sign-ons waiting to be applied")

    def __str__(self) -> str:
        return f"sign-on #{self.pk} on statement {self.statement_id}"


class SignOnTally(models.Model):
    """Sign-ons of a statement in one UTC hour, of one kind, in one language version: kept as
    they arrive and are confirmed (signatures.tallies), so the editors' dashboard and the public
    per-day chart read a few hundred rows, never the signatures table (docs/dashboard.md).

    ``received``: sign-ons stored by the intake in that hour (an arrival stays counted).
    ``confirmed``: sign-ons through the form confirmed in that hour that still count (held,
    visible or rejected; a withdrawal takes one out). ``visible``: sign-ons confirmed in that
    hour that are on the public list now, the editors' recorded organisations included.
    """

    # No index of its own: the unique constraint below starts with the statement.
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="+",
                                  db_index=False)
    hour = models.DateTimeField()  # the start of the hour, in UTC
    # Derived from the hour when the row is made: the date in the site's time zone.
    day = models.DateField()
    kind = models.CharField(max_length=12, choices=Signature.Kind.choices)
    language = models.CharField(max_length=12)
    received = models.IntegerField(default=0)
    confirmed = models.IntegerField(default=0)
    visible = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("sign-on tally")
        verbose_name_plural = _("sign-on tallies")
        constraints = [
            models.UniqueConstraint(fields=["statement", "hour", "kind", "language"],
                                    name="signon_tally_key"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.hour:%Y-%m-%d %H}h {self.kind} {self.language}"


class CountryTally(models.Model):
    """Confirmed sign-ons through the form of a statement per country, the country as typed
    normalised for grouping (``signatures.tallies.country_key``)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="+",
                                  db_index=False)
    country = models.CharField(max_length=100, blank=True)
    confirmed = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("country tally")
        verbose_name_plural = _("country tallies")
        constraints = [
            models.UniqueConstraint(fields=["statement", "country"], name="country_tally_key"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.country or '-'}: {self.confirmed}"
