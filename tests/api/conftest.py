"""Builders for the API's tests: statements with signatures of every kind and status, and
tokens of every scope."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from api.tokens import HEADER, Scope, make_token
from signatures.actions import reconcile_counts
from signatures.models import Signature
from statements.models import Statement
from tests.conftest import make_statement


def sign(statement: Statement, email: str, *, status: str = "visible", name: str = "Ana Example",
         show_name: bool = True, kind: str = "individual", wants_contact: bool = False,
         comment: str = "", comment_approved: bool = False, minutes_ago: int = 0,
         **fields: Any) -> Signature:
    confirmed = timezone.now() - timedelta(minutes=minutes_ago)
    return Signature.objects.create(
        statement=statement, email=email, status=status, name=name, show_name=show_name,
        kind=kind, wants_contact=wants_contact, comment=comment,
        comment_approved=comment_approved, country=fields.pop("country", "Peru"),
        organisation_name=fields.pop(
            "organisation_name", "River Keepers" if kind == "organisation" else ""),
        ip_hash="f" * 32,
        confirmed_at=confirmed if status != "unconfirmed" else None, **fields)


def token_header(*scopes: Scope, name: str = "CiviCRM sync") -> dict[str, str]:
    _token, text = make_token(name=name, scopes=set(scopes))
    return {"headers": {HEADER: text}}


def get(client: Client, url: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    response = client.get(url, **extra)
    assert response["Content-Type"].startswith(("application/hal+json", "application/json")), \
        response.content[:200]
    return response.status_code, json.loads(response.content)


@pytest.fixture
def signed(db) -> dict[str, Any]:
    """A published statement whose list holds every case: named and count-only, people and
    organisations, with and without consent, unconfirmed, held, rejected and withdrawn."""
    statement = make_statement(body="We **stand** together.", summary="Together.")
    rows = {
        "named": sign(statement, "named@example.org", name="Named Person", minutes_ago=50,
                      comment="Because water", comment_approved=True),
        "named_contact": sign(statement, "contact@example.org", name="Contact Person",
                              wants_contact=True, minutes_ago=40, role="Nurse",
                              organisation_name="Clinic", referrer="partner-site"),
        "counted": sign(statement, "counted@example.org", name="Hidden Person",
                        show_name=False, minutes_ago=30),
        "counted_contact": sign(statement, "counted-contact@example.org",
                                name="Hidden Contact", show_name=False, wants_contact=True,
                                minutes_ago=25),
        "organisation": sign(statement, "rep@example.org", name="Org Representative",
                             kind="organisation", organisation_name="Union of Rivers",
                             role="Chair", minutes_ago=20),
        "hidden_org": sign(statement, "hidden-rep@example.org", name="Hidden Rep",
                           kind="organisation", organisation_name="Secret Collective",
                           show_name=False, minutes_ago=15),
        "held": sign(statement, "held@example.org", name="Held Person", status="held",
                     wants_contact=True, minutes_ago=10),
        "unconfirmed": sign(statement, "unconfirmed@example.org", name="Unconfirmed Person",
                            status="unconfirmed", wants_contact=True),
        "rejected": sign(statement, "rejected@example.org", name="Rejected Person",
                         status="rejected", wants_contact=True, minutes_ago=5),
        "withdrawn": sign(statement, "", name="", status="withdrawn", minutes_ago=4),
    }
    reconcile_counts([statement])
    return {"statement": statement, **rows}


def error_description(response) -> str:  # noqa: ANN001
    """The description of an API error answer (OSDI errors.md: api/http.py)."""
    return response.json()["osdi:error"]["resource_status"][0]["error_descriptions"][0][
        "description"]
