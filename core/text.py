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

_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# Every character refused, as one class (the policy above, spelt by code point: C0 and C1
# controls are the whole of category Cc, surrogates of Cs, and the private-use planes of Co;
# non-characters are U+FDD0..U+FDEF and the last two code points of every plane).
# tests/comments/test_hostile.py checks it against the Unicode categories for every code
# point. One regex search instead of a Python call per character: a sign-on's six fields were
# a tenth of its CPU.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
_OTHERS = ("\ud800-\udfff\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
           + _BIDI_CONTROLS + _NONCHARACTERS + "\ufffd")
_REFUSED = re.compile(f"[\x00-\x1f\x7f-\x9f{_OTHERS}]")
_REFUSED_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_OTHERS}]")
_SPACES = re.compile(r"\s+")


def clean_text(value: Any, *, multiline: bool = False) -> str:
    """The text as it will be stored, or ValidationError for a character we refuse."""
    text = unicodedata.normalize("NFC", str(value or ""))
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    refused = (_REFUSED_MULTILINE if multiline else _REFUSED).search(text)
    if refused is not None:
        if refused.group() == "\ufffd":
            raise ValidationError(_("This text is not valid UTF-8."), code="encoding")
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
