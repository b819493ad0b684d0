"""Form plumbing shared by the public forms."""

from __future__ import annotations

from typing import Any

from django import forms


class _SharedFields(dict):
    """A form's fields that every instance may use as they are: Django deep-copies
    ``base_fields`` into each new form, and this copy is a new dict of the same fields."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return dict(self)


def shared_fields[FormClass: type[forms.Form]](form_class: FormClass) -> FormClass:
    """Let every instance of ``form_class`` share its field objects instead of deep-copying
    them (a tenth of a sign-on's work on a viral day).

    Safe for a form whose instances never change a field, a widget or its attributes — true of
    the public forms, whose fields are fixed at class creation: errors, data and cleaned values
    live on the form instance, and Django's rendering copies the attributes it adds. A form
    that adapts its fields per instance (``self.fields[...] = …`` in ``__init__``) must not use
    this. Apply it to the final class: a subclass gets fields of its own again."""
    form_class.base_fields = _SharedFields(form_class.base_fields)
    return form_class
