"""Helpers for the dashboard tests: sign-ons through the real form, staff clients."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from signatures.models import Signature
from statements.models import Statement
from tests.signatures.conftest import post_sign

_addresses = iter(range(1, 10**6))


def sign(client: Client, statement: Statement, *, language: str = "en", **fields: Any
         ) -> Signature:
    """A sign-on through the form (each from its own address and IP: no rate limit meets
    them); returns the unconfirmed signature it became."""
    number = next(_addresses)
    email = fields.pop("email", f"signer{number}@example.org")
    response = post_sign(client, statement, language=language, email=email,
                         ip=f"198.51.{number // 250}.{number % 250 + 1}", **fields)
    assert response.status_code == 303, response.content[:300]
    return Signature.objects.get(statement=statement, email=email)


def organisation_fields(name: str) -> dict[str, str]:
    return {"kind": "organisation", "organisation": name, "role": "Coordinator"}


def staff(username: str, role: str | None = None, **extra: Any) -> User:
    user = User.objects.create_user(username, password="not-used-here", is_staff=True,
                                    email=f"{username}@example.org", **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def client_of():
    def run(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client
    return run
