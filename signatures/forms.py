"""The sign-on form and the signer's correction form: what a visitor may send, and how it is
cleaned before anything is stored."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from core.addresses import mailbox
from core.forms import shared_fields
from core.text import TextField, clean_text
from signatures.intake import SignerDetails
from signatures.models import Signature

LIMITS = {"name": 200, "organisation": 200, "role": 200, "country": 100, "email": 254,
          "comment": 1000}


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
    # Consent to the statement's updates (updates/): unticked unless the signer ticks it.
    news = forms.BooleanField(label=_("Send me news about this statement"), required=False,
                              initial=False)
    # Consent to be contacted by the coalition (issue 18), unticked unless the signer ticks it:
    # only these signers' addresses ever reach the coalition's integrations (docs/api.md).
    # Separate from ``news``: one is about this statement, the other about the coalition.
    contact = forms.BooleanField(label=_("The coalition may contact me"), required=False,
                                 initial=False)

    signer_kind: str = Signature.Kind.INDIVIDUAL

    def current_kind(self) -> str:
        return self.signer_kind

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
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
                   "comment", "news", "contact"]

    def current_kind(self) -> str:
        return self.cleaned_data.get("kind", "")

    def signer_details(self, *, source: str = Signature.Source.FORM, referrer: str = ""
                       ) -> SignerDetails:
        """The validated sign-on as the intake takes it: the form's view and the API's sign-on
        helper (api/helper.py) hand over the same fields."""
        cleaned = self.cleaned_data
        return SignerDetails(
            kind=cleaned["kind"], name=cleaned["name"], organisation=cleaned["organisation"],
            role=cleaned["role"], country=cleaned["country"], email=cleaned["email"],
            show_name=cleaned["show_name"], comment=cleaned["comment"], news=cleaned["news"],
            contact=cleaned["contact"], source=source, referrer=referrer)

    def clean_email(self) -> str:
        value = mailbox(clean_text(self.cleaned_data["email"]))
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
        self.signer_kind = kind
        # The kind is known here: the box says exactly which name it shows.
        self.fields["show_name"].label = (
            _("Show the organisation's name publicly") if kind == Signature.Kind.ORGANISATION
            else _("Show my name publicly"))
