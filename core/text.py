"""One policy for text from strangers (names, comments, search queries).

Text is NFC-normalised; line ends become ``\\n``. Characters that have no business in a name
or a comment are **refused**, with a clear 400, never silently dropped: the visitor sees
exactly what will be stored (docs/decisions.md, "Hostile text"). Refused: C0/C1 control
characters (tab and newline allowed in multi-line text), bidirectional embeddings, overrides
and isolates (they make a name read as something it is not), surrogates, private-use
characters, non-characters and U+FFFD (what a broken encoding decodes to). Zero-width joiners
stay: some scripts need them. Single-line text has its runs of white space collapsed;
multi-line text has each line trimmed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MULTILINE_ALLOWED = frozenset({"\n", "\t"})
_SPACES = re.compile(r"\s+")


def _refused(char: str, multiline: bool) -> bool:
    category = unicodedata.category(char)
    return ((category == "Cc" and not (multiline and char in MULTILINE_ALLOWED))
            or category in ("Cs", "Co") or char in BIDI_CONTROLS
            or 0xFDD0 <= ord(char) <= 0xFDEF or (ord(char) & 0xFFFE) == 0xFFFE)


def clean_text(value: Any, *, multiline: bool = False) -> str:
    """The text as it will be stored, or ValidationError for a character we refuse."""
    text = unicodedata.normalize("NFC", str(value or ""))
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for char in text:
        if char == "\ufffd":
            raise ValidationError(_("This text is not valid UTF-8."), code="encoding")
        if _refused(char, multiline):
            raise ValidationError(_("Please remove the control or invisible characters."),
                                  code="control")
    if multiline:
        return "\n".join(line.strip() for line in text.strip().split("\n"))
    return _SPACES.sub(" ", text).strip()


class TextField(forms.CharField):
    """A CharField under the policy above, cleaned before the length check (so the limit
    counts what is stored)."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return clean_text(value, multiline=self.multiline)
