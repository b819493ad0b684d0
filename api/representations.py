"""What the API and the webhooks say about a statement and a signature: one place decides it.

A signature's public display is exactly the public list's (templates/signatures/_entry.html):
for an organisation, its name; for a person, the name, organisation and role; the country; the
comment once moderated and shown. Nothing of a signer who chose to be counted only, nothing of
an organisation's representative, and no address unless the caller may read private data and
the signer agreed to be contacted (``wants_contact``). The API's endpoints and the webhooks'
payloads both build their resources here, so a privacy rule cannot hold in one and not in the
other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.urls import reverse

from signatures.models import Signature
from statements.models import Statement

# OSDI's curie for its link relations, and ours for what OSDI has no word for.
CURIES = [
    {"name": "osdi", "href": "https://opensupporter.github.io/osdi-docs/{rel}", "templated": True},
    {"name": "undersigned", "href": "/docs/api.md#{rel}", "templated": True},
]


def identifier(kind: str, pk: int) -> str:
    """``undersigned:<kind>-<id>``: unique across the site's resources, as OSDI asks."""
    return f"undersigned:{kind}-{pk}"


def api_url(path: str) -> str:
    return settings.BASE_URL + path


def date(value: datetime | None) -> str | None:
    """OSDI's dates: ISO 8601 in UTC, seconds, ``Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def signature_is_public(signature: Signature) -> bool:
    """On the public list: visible and named."""
    return signature.status == Signature.Status.VISIBLE and signature.show_name


def public_display(signature: Signature, *, comments_shown: bool) -> dict[str, Any]:
    """The signer as the public list shows them, or ``{}`` for a signer not named there."""
    if not signature_is_public(signature):
        return {}
    if signature.is_organisation:
        shown: dict[str, Any] = {"kind": "organisation",
                                 "organisation": signature.organisation_name}
    else:
        shown = {"kind": "individual", "name": signature.name,
                 "organisation": signature.organisation_name, "role": signature.role}
    shown["country"] = signature.country
    if comments_shown and signature.comment_approved and signature.comment:
        shown["comment"] = signature.comment
    return shown


def signature(row: Signature, *, private: bool, comments_shown: bool) -> dict[str, Any]:
    """An OSDI signature. ``private``: the caller holds ``read_private``; the address (and the
    person's link) appear only when the signer also agreed to be contacted."""
    petition_path = reverse("api:petition", args=[row.statement_id])
    path = reverse("api:signature", args=[row.statement_id, row.pk])
    resource: dict[str, Any] = {
        "identifiers": [identifier("signature", row.pk)],
        "created_date": date(row.created_at),
        "modified_date": date(row.updated_at),
        "action_date": date(row.confirmed_at),
        "undersigned:status": "counted" if not signature_is_public(row) else "named",
        "undersigned:display": public_display(row, comments_shown=comments_shown),
        "_links": {
            "self": {"href": api_url(path)},
            "osdi:petition": {"href": api_url(petition_path)},
        },
    }
    display = resource["undersigned:display"]
    if display.get("comment"):
        resource["comments"] = display["comment"]
    if private and row.wants_contact and row.email:
        resource["_links"]["osdi:person"] = {
            "href": api_url(reverse("api:person", args=[row.pk]))}
    return resource


def petition(statement: Statement, *, total_signatures: int) -> dict[str, Any]:
    """An OSDI petition: the statement in its canonical language (the API's views add its
    translations and issuers)."""
    resource: dict[str, Any] = {
        "identifiers": [identifier("petition", statement.pk)],
        "created_date": date(statement.created_at),
        "modified_date": date(statement.updated_at),
        "title": statement.title,
        "summary": statement.summary,
        "description": statement.body_html,
        "petition_text": statement.body,
        "browser_url": api_url(statement.get_absolute_url()),
        "total_signatures": total_signatures,
        "_links": {
            "self": {"href": api_url(reverse("api:petition", args=[statement.pk]))},
            "osdi:signatures": {
                "href": api_url(reverse("api:signatures", args=[statement.pk]))},
            "osdi:record_signature_helper": {
                "href": api_url(reverse("api:record-signature-helper", args=[statement.pk]))},
        },
    }
    return resource
