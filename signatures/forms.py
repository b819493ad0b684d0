"""The sign-on form and the signer's correction form: what a visitor may send, and how it is
cleaned before anything is stored."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from core.forms import shared_fields
from signatures.models import Signature, normalise_email

# Bidirectional embeddings, overrides and isolates can make a name display as something it is
# not (impersonation); zero-width joiners stay allowed, some scripts need them.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MULTILINE_ALLOWED = {"\n", "\t"}
SPACES = re.compile(r"\s+")

LIMITS = {"name": 200, "organisation": 200, "role": 200, "country": 100, "email": 254,
          "comment": 1000}


def clean_text(value: Any, *, multiline: bool = False) -> str:
    """NFC-normalised text without control characters; single-line text has its runs of
    white space collapsed. Raises ValidationError for characters we refuse."""
    text = unicodedata.normalize("NFC", str(value or ""))
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for char in text:
        if char == "\ufffd":
            raise ValidationError(_("This text is not valid UTF-8."), code="encoding")
        category = unicodedata.category(char)
        if ((category == "Cc" and not (multiline and char in MULTILINE_ALLOWED))
                or category in ("Cs", "Co") or char in BIDI_CONTROLS
                or (0xFDD0 <= ord(char) <= 0xFDEF) or (ord(char) & 0xFFFE) == 0xFFFE):
            raise ValidationError(_("Please remove the control or invisible characters."),
                                  code="control")
    if multiline:
        return "\n".join(line.strip() for line in text.strip().split("\n"))
    return SPACES.sub(" ", text).strip()


class TextField(forms.CharField):
    """A CharField that refuses control characters and normalises Unicode before the length
    check (so the limit counts what is stored)."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return clean_text(value, multiline=self.multiline)


class SignatoryFields(forms.Form):
    """Fields shared by signing and correcting."""

    name = TextField(label=_("Your name"), max_length=LIMITS["name"])
    organisation = TextField(label=_("Organisation"), max_length=LIMITS["organisation"],
                             required=False)
    role = TextField(label=_("Your role in the organisation"), max_length=LIMITS["role"],
                     required=False)
    country = TextField(label=_("Country"), max_length=LIMITS["country"], required=False)
    # One form serves both kinds without JavaScript, so the label names both: for an
    # organisation the box shows or hides the organisation, never the person signing for it.
    show_name = forms.BooleanField(label=_("Show the name publicly: yours, or your "
                                           "organisation's"), required=False, initial=True)
    comment = TextField(label=_("Why I sign (optional)"), max_length=LIMITS["comment"],
                        required=False, multiline=True)

    kind: str = Signature.Kind.INDIVIDUAL

    def current_kind(self) -> str:
        return self.kind

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.current_kind() == Signature.Kind.ORGANISATION:
            for field in ("organisation", "role"):
                if field in data and not data[field]:
                    self.add_error(field, _("Required when you sign on behalf of an "
                                            "organisation."))
        return data


@shared_fields
class SignForm(SignatoryFields):
    kind = forms.ChoiceField(label=_("I sign"), choices=Signature.Kind.choices,
                             initial=Signature.Kind.INDIVIDUAL, widget=forms.RadioSelect)
    email = forms.CharField(label=_("Email"), max_length=LIMITS["email"], strip=False)

    field_order = ["kind", "name", "organisation", "role", "country", "email", "show_name",
                   "comment"]

    def current_kind(self) -> str:
        return self.cleaned_data.get("kind", "")

    def clean_email(self) -> str:
        value = normalise_email(clean_text(self.cleaned_data["email"]))
        try:
            validate_email(value)
        except ValidationError as exc:
            raise ValidationError(_("Please enter an email address like name@example.org."),
                                  code="invalid") from exc
        return value


class CorrectionForm(SignatoryFields):
    """What a signer can change from the manage link: everything but the kind and address."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        # The kind is known here: the box says exactly which name it shows.
        self.fields["show_name"].label = (
            _("Show the organisation's name publicly") if kind == Signature.Kind.ORGANISATION
            else _("Show my name publicly"))
