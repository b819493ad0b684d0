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
from django.utils.translation import override

from signatures.models import Signature
from statements.models import Organisation, Statement
from statements.views import version_url

ORIGIN_SYSTEM = "undersigned"

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
        # The linked organisation's name where there is one, as the list shows it (the
        # editors may have corrected it there); select_related("organisation") saves the query.
        shown: dict[str, Any] = {"kind": "organisation",
                                 "organisation": signature.display_name}
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
        "origin_system": ORIGIN_SYSTEM,
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
    if private and row.referrer:
        resource["referrer_data"] = {"source": row.referrer}
    if private and may_contact(row):
        resource["_links"]["osdi:person"] = {
            "href": api_url(reverse("api:person", args=[row.pk]))}
    return resource


def may_contact(row: Signature) -> bool:
    """A signer whose address an integration holding ``read_private`` may read: confirmed,
    accepted, on the list (named or counted), and agreed to be contacted by the coalition."""
    return (row.wants_contact and bool(row.email) and row.confirmed_at is not None
            and row.status in PERSON_STATUSES)


# Confirmed and accepted. A held sign-on waits for the moderators (it may be an impersonation,
# or a surge's spam) and a rejected one was refused: the coalition's tools have no business
# writing to either address.
PERSON_STATUSES = (Signature.Status.VISIBLE,)


def person(row: Signature) -> dict[str, Any]:
    """An OSDI person: the signer of one signature who agreed to be contacted (the caller
    holds ``read_private``; callers check ``may_contact`` first). We keep one name as the
    signer typed it: it is ``given_name`` whole, with no ``family_name`` (splitting names
    goes wrong for most of the world's names; docs/api.md, "People")."""
    resource: dict[str, Any] = {
        "identifiers": [identifier("person", row.pk)],
        "origin_system": ORIGIN_SYSTEM,
        "created_date": date(row.created_at),
        "modified_date": date(row.updated_at),
        "given_name": row.name,
        "email_addresses": [{"address": row.email, "primary": True, "status": "subscribed"}],
        "postal_addresses": [{"primary": True, "country": row.country}] if row.country else [],
        "languages_spoken": [row.language] if row.language else [],
        "_links": {
            "self": {"href": api_url(reverse("api:person", args=[row.pk]))},
            "osdi:signatures": {
                "href": api_url(reverse("api:signature", args=[row.statement_id, row.pk]))},
            "osdi:petition": {"href": api_url(reverse("api:petition", args=[row.statement_id]))},
        },
    }
    if row.organisation_name:
        resource["employer"] = row.organisation_name
    if row.role:
        resource["work_title"] = row.role
    return resource


def organisation(issuer: Organisation) -> dict[str, Any]:
    """An issuing organisation, as OSDI's petitions embed their creator."""
    return {
        "identifiers": [identifier("organisation", issuer.pk)],
        "name": issuer.name,
        "browser_url": api_url(_in_site_language(issuer.get_absolute_url)),
    }


def _in_site_language(url: Any) -> str:
    with override(settings.LANGUAGE_CODE):
        return str(url())


def featured_image_url(statement: Statement) -> str | None:
    image = statement.featured_image
    resolved = image.resolved() if image is not None else None
    if resolved is None:
        return None
    return resolved.src if resolved.src.startswith(("http://", "https://")) \
        else api_url(resolved.src)


def petition(statement: Statement, *, total_signatures: int) -> dict[str, Any]:
    """An OSDI petition: the statement in its canonical language, its issuers as
    ``osdi:creator`` and its translations under ``undersigned:translations`` (each with its
    page and title). Issuers and translations are read through the prefetches the list's query
    makes (``api.public``), or one query each for a single statement."""
    translations = [{"language": version.language, "title": version.title,
                     "browser_url": api_url(translation_url(statement, version.language))}
                    for version in statement.translations.all()]
    issuers = statement.ordered_issuers()
    resource: dict[str, Any] = {
        "identifiers": [identifier("petition", statement.pk)],
        "origin_system": ORIGIN_SYSTEM,
        "created_date": date(statement.created_at),
        "modified_date": date(statement.updated_at),
        "title": statement.title,
        "summary": statement.summary,
        "description": statement.body_html,
        "petition_text": statement.body,
        "browser_url": api_url(translation_url(statement, statement.language)),
        "featured_image_url": featured_image_url(statement),
        "total_signatures": total_signatures,
        "undersigned:language": statement.language,
        "undersigned:status": statement.status,
        "undersigned:translations": translations,
        "_embedded": {"osdi:creator": [organisation(issuer) for issuer in issuers]},
        "_links": {
            "self": {"href": api_url(reverse("api:petition", args=[statement.pk]))},
            "osdi:signatures": {
                "href": api_url(reverse("api:signatures", args=[statement.pk]))},
            "osdi:record_signature_helper": {
                "href": api_url(reverse("api:record-signature-helper", args=[statement.pk]))},
        },
    }
    return resource


_UI_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


def translation_url(statement: Statement, language: str) -> str:
    """The page of one language version, as the statement's own language switcher links it
    (the site's URLs carry the interface language first)."""
    ui_language = statement.language if statement.language in _UI_LANGUAGES \
        else settings.LANGUAGE_CODE
    with override(ui_language):
        return version_url(statement, language, ui_language)
