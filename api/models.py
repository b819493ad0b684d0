"""The tokens editors give their integrations (docs/api.md, "Tokens").

A token is shown once, when it is made; the site keeps only its SHA-256. The secret is 32 random
bytes, so a fast hash is enough: there is nothing to guess by brute force, unlike a password.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    name = models.CharField(_("name"), max_length=100,
                            help_text=_("Who uses it, for what: “CiviCRM sync”, “partner site”."))
    # The token's first characters, kept in clear so editors can tell tokens apart and the API
    # finds a token's row by an indexed equality before comparing hashes.
    prefix = models.CharField(_("starts with"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    can_read = models.BooleanField(_("read"), default=True, help_text=_(
        "What the public pages show: published statements, named visible signatures, counts."))
    can_read_private = models.BooleanField(_("read private"), default=False, help_text=_(
        "Signers' addresses, only of those who agreed to be contacted by the coalition. For "
        "the editors' own integrations; every such read is logged."))
    can_sign = models.BooleanField(_("sign"), default=False, help_text=_(
        "Record sign-ons from another site or tool: each one is confirmed by its signer's email, "
        "as through the form."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
