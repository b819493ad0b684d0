from django import forms
from django.utils.translation import gettext_lazy as _


class RequestLinkForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class ForgetForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that this cannot be undone."), required=True,
        error_messages={"required": _("Tick this box to confirm.")})
