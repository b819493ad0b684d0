"""The public privacy page tells the truth about the settings, in every interface language."""

from __future__ import annotations

import re

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_policy_page_reflects_the_settings(anon: Client, settings, language: str) -> None:
    settings.UNDERSIGNED = {**settings.UNDERSIGNED, "IP_HASH_RETENTION_DAYS": 11,
                            "UNCONFIRMED_EXPIRY_DAYS": 3, "EMAIL_RETENTION_DAYS_AFTER_ARCHIVE": 45}
    response = anon.get(f"/{language}/privacy/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'lang="{language}"' in body
    for number in ("11", "3", "45"):
        assert re.search(rf"\b{number}\b", body), number
    assert "/privacy/your-data/" in body


@pytest.mark.django_db
def test_policy_page_in_spanish_is_translated(anon: Client) -> None:
    body = anon.get("/es/privacy/").content.decode()
    assert "Privacidad" in body
