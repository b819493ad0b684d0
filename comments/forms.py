"""The "Leave a reply" form and the author's edit form. Field names are a contract (DESIGN.md)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from comments.models import Comment, published_comment
from core.forms import shared_fields
from statements.models import Statement

NAME_MAX = 100
BODY_MAX = 5000
# C0/C1 controls except tab and newline; bidi embeddings and overrides, which can make a name
# or a line read backwards (the "evil" text of an impersonation).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str) -> str:
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROLS.sub("", value)


class NoControlCharacters:
    message = _("Please remove the control characters from this field.")

    def __call__(self, value: str) -> None:
        if value and _CONTROLS.search(value):
            raise forms.ValidationError(self.message, code="control")


@shared_fields
class CommentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX,
                           validators=[NoControlCharacters()])
    email = forms.EmailField(label=_("Email"), max_length=254,
                             validators=[NoControlCharacters()])
    website = forms.URLField(label=_("Website"), max_length=200, required=False,
                             assume_scheme="https",
                             validators=[URLValidator(schemes=["http", "https"])])
    body = forms.CharField(label=_("Comment"), max_length=BODY_MAX, widget=forms.Textarea,
                           strip=True)
    parent = forms.IntegerField(required=False, min_value=1, max_value=2**62,
                                widget=forms.HiddenInput)
    notify = forms.BooleanField(label=_("Email me replies to my comment"), required=False)
    remember = forms.BooleanField(
        label=_("Save my name, email and website in this browser for the next time I comment"),
        required=False)

    def __init__(self, *args: Any, statement: Statement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statement = statement
        self.parent_comment: Comment | None = None

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Please give a name."), code="required")
        return name

    def clean_body(self) -> str:
        body = clean_text(self.cleaned_data["body"]).strip()
        if not body:
            raise forms.ValidationError(_("Please write a comment."), code="required")
        return body

    def clean_parent(self) -> int | None:
        parent_id = self.cleaned_data.get("parent")
        if parent_id is None:
            return None
        parent = published_comment(parent_id, self.statement, fields=(
            "id", "statement_id", "status", "depth", "parent_id", "root_id", "name"))
        if parent is None:
            # Held, removed and spam comments, and those of another statement, look the same
            # from outside: there is nothing published to reply to.
            raise forms.ValidationError(_("The comment you are replying to is not available."),
                                        code="parent")
        self.parent_comment = parent
        return parent_id


class EditForm(forms.Form):
    body = forms.CharField(label=_("Comment"), max_length=BODY_MAX, widget=forms.Textarea)

    def clean_body(self) -> str:
        body = clean_text(self.cleaned_data["body"]).strip()
        if not body:
            raise forms.ValidationError(_("Please write a comment."), code="required")
        return body
