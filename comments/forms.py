"""The "Leave a reply" form and the author's edit form. Field names are a contract
(docs/contracts.md)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from comments.models import Comment, published_comment
from core.addresses import mailbox
from core.forms import shared_fields
from core.text import TextField
from statements.models import Statement

NAME_MAX = 100
BODY_MAX = 5000
@shared_fields
class CommentForm(forms.Form):
    name = TextField(label=_("Name"), max_length=NAME_MAX)
    email = forms.EmailField(label=_("Email"), max_length=254)
    website = forms.URLField(label=_("Website"), max_length=200, required=False,
                             assume_scheme="https",
                             validators=[URLValidator(schemes=["http", "https"])])
    body = TextField(label=_("Comment"), max_length=BODY_MAX, widget=forms.Textarea,
                     multiline=True)
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
        name = self.cleaned_data["name"]
        if not name:
            raise forms.ValidationError(_("Please give a name."), code="required")
        return name

    def clean_email(self) -> str:
        return mailbox(self.cleaned_data["email"])

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
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
    body = TextField(label=_("Comment"), max_length=BODY_MAX, widget=forms.Textarea,
                     multiline=True)

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not body:
            raise forms.ValidationError(_("Please write a comment."), code="required")
        return body
