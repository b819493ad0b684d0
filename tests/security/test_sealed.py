"""Addresses handed to the task worker travel sealed (core/sealed.py)."""

from __future__ import annotations

import pytest

from core.sealed import BadSeal, keyed_hash, seal, unseal


def test_a_sealed_address_is_unreadable_the_same_length_and_opens_only_for_its_purpose(
        settings) -> None:
    longest = "𝔞" * 254  # the longest the forms take, four bytes a character
    sealed = {text: seal(text, "test") for text in ("ana@example.org", "a@b.c", longest)}
    assert len({len(value) for value in sealed.values()}) == 1
    for text, value in sealed.items():
        assert "example" not in value and unseal(value, "test") == text
    assert seal("ana@example.org", "test") != sealed["ana@example.org"]  # a fresh nonce
    value = sealed["ana@example.org"]
    tampered = value[:30] + ("A" if value[30] != "A" else "B") + value[31:]
    for forged, purpose in ((value, "other"), (tampered, "test"), ("", "test"), ("é", "test")):
        with pytest.raises(BadSeal):
            unseal(forged, purpose)
    settings.SECRET_KEY = "another site's secret" * 3
    with pytest.raises(BadSeal):
        unseal(value, "test")


def test_a_keyed_hash_needs_the_secret(settings) -> None:
    first = keyed_hash("ana@example.org", "test")
    assert first == keyed_hash("ana@example.org", "test") != keyed_hash("ana@example.org", "x")
    settings.SECRET_KEY = "another site's secret" * 3
    assert keyed_hash("ana@example.org", "test") != first
