from django import forms
from django.utils.translation import gettext_lazy as _


class PasswordForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username",
                                                             "autofocus": True}))
    password = forms.CharField(label=_("Password"), max_length=4096, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code from your authenticator app"), regex=r"^\s*\d{6,8}\s*$",
        max_length=20, error_messages={"invalid": _("Enter the 6-digit code.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}))

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


SECOND_FACTOR_PATTERN = r"^[\s-]*([0-9]{6,8}|([a-zA-Z2-7][\s-]*){8})$"


class SecondFactorForm(forms.Form):
    """The sign-in's second step: a code from the app, or one of the recovery codes."""

    code = forms.RegexField(
        label=_("Code from your authenticator app, or a recovery code"),
        regex=SECOND_FACTOR_PATTERN, max_length=40,
        error_messages={"invalid": _("Enter the 6-digit code or a recovery code.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                      "autocapitalize": "off", "spellcheck": "false"}))


class CurrentSecondFactorForm(forms.Form):
    """Proof that the second factor is at hand before it is changed (a new phone, new recovery
    codes): a code from the authenticator enrolled now, or a recovery code (then used up). Its
    own field name, so that it can share a form with the new phone's ``code``."""

    current_code = forms.RegexField(
        label=_("Code from your current authenticator app, or a recovery code"),
        regex=SECOND_FACTOR_PATTERN, max_length=40,
        error_messages={"invalid": _("Enter the 6-digit code or a recovery code.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off",
                                      "spellcheck": "false"}))
