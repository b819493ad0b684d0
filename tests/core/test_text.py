"""The hostile-text policy (core/text.py) is one regex class spelt by code point; these tests
hold it to the policy as the Unicode categories state it, for every code point."""

from __future__ import annotations

import unicodedata

import pytest
from django.core.exceptions import ValidationError

from core import text


def _refused_by_the_policy(char: str, multiline: bool) -> bool:
    """The policy in words: C0/C1 controls (tab and newline allowed in multi-line text),
    surrogates, private use, bidirectional controls, non-characters, U+FFFD."""
    category = unicodedata.category(char)
    code = ord(char)
    return ((category == "Cc" and not (multiline and char in "\n\t"))
            or category in ("Cs", "Co")
            or char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
            or 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE or char == "\ufffd")


@pytest.mark.parametrize("multiline", [False, True], ids=["single line", "multi-line"])
def test_the_refused_characters_are_exactly_those_of_the_policy(multiline: bool) -> None:
    pattern = text._REFUSED_MULTILINE if multiline else text._REFUSED
    wrong = [hex(code) for code in range(0x110000)
             if (pattern.match(chr(code)) is not None)
             != _refused_by_the_policy(chr(code), multiline)]
    assert wrong == []


@pytest.mark.parametrize(("value", "code"), [
    ("Ana\u202eRosa", "control"), ("Ana\x00", "control"), ("Ana\ufffdRosa", "encoding"),
    ("\ufffd then \x07", "encoding"), ("\x07 then \ufffd", "control"),
])
def test_the_first_refused_character_names_the_reason(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        text.clean_text(value)
    assert refused.value.code == code


def test_allowed_text_is_normalised_not_refused() -> None:
    assert text.clean_text("  Ana    Rosa\u200d ") == "Ana Rosa\u200d"
    assert text.clean_text("Ana\tRosa", multiline=True) == "Ana\tRosa"
    assert text.clean_text(" one \r\n\ttwo ", multiline=True) == "one\ntwo"
