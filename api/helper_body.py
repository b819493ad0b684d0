"""The sign-on helper's body: OSDI's ``record_signature_helper`` JSON turned into the sign-on
form's fields (docs/api-helper.md).

Pure: JSON in, the form's fields out, or ``BadBody`` saying which part is wrong. It decides only
the shape (which key holds what, of which JSON type); what a name, an address or a comment may be
is decided in one place for the form and the API alike, ``signatures.forms.SignForm``, which the
view runs on what this returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from signatures.models import Signature

# Our words where OSDI has none, next to ``person`` at the top of the body (docs/api-helper.md).
KIND = "undersigned:kind"
SHOW_NAME = "undersigned:show_name"
NEWS = "undersigned:news"
CONTACT = "undersigned:contact"

# The form's field → where it came from in the JSON, for the error descriptions.
JSON_PATHS = {
    "kind": KIND,
    "name": "person.given_name / person.family_name",
    "organisation": "person.employer",
    "role": "person.work_title",
    "country": "person.postal_addresses[0].country",
    "email": "person.email_addresses[0].address",
    "show_name": SHOW_NAME,
    "comment": "comments",
    "news": NEWS,
    "contact": CONTACT,
}
REFERRER_MAX = 100  # Signature.referrer


class BadBody(ValueError):
    """The body is not a helper call we can read: its description says where and why."""


@dataclass(frozen=True)
class HelperCall:
    form_data: dict[str, Any]  # the sign-on form's fields (signatures.forms.SignForm)
    referrer: str  # referrer_data.source, as sent (checked by the view's text policy)
    language: str | None  # the first of person.languages_spoken that the site speaks


def _object(value: Any, where: str, *, required: bool = False) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise BadBody(f"{where} must be an object.")
    return value


def _string(value: Any, where: str) -> str:
    """A JSON string, or empty for an absent or null key."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadBody(f"{where} must be a string.")
    return value


def _boolean(value: Any, where: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise BadBody(f"{where} must be true or false.")
    return value


def _first(value: Any, where: str) -> dict[str, Any]:
    """The first object of an OSDI list (``email_addresses``, ``postal_addresses``), or
    ``{}`` for an absent or empty list: we take one address of each."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise BadBody(f"{where} must be a list.")
    if not value:
        return {}
    return _object(value[0], f"{where}[0]", required=True)


def _language(person: dict[str, Any]) -> str | None:
    spoken = person.get("languages_spoken")
    if spoken is None:
        return None
    if not isinstance(spoken, list) or not all(isinstance(code, str) for code in spoken):
        raise BadBody("person.languages_spoken must be a list of language codes.")
    ours = {code for code, _name in settings.LANGUAGES}
    for code in spoken:
        # "es-MX" is spoken by whoever reads "es"; a language the site lacks is skipped.
        base = code.strip().lower().replace("_", "-").split("-")[0]
        if base in ours:
            return base
    return None


def read(body: Any) -> HelperCall:
    """The helper call in ``body`` (decoded JSON), or ``BadBody``.

    Defaults are the privacy-protective choices: no news, no contact, and the name not shown
    (only counted) unless ``undersigned:show_name`` is true: a partner site that never asked
    its signer must not publish them. ``add_tags``, ``add_lists``, ``triggers`` and any other key
    are accepted and ignored."""
    top = _object(body, "The body", required=True)
    person = _object(top.get("person"), "person", required=True)
    email = _first(person.get("email_addresses"), "person.email_addresses")
    postal = _first(person.get("postal_addresses"), "person.postal_addresses")
    referrer_data = _object(top.get("referrer_data"), "referrer_data")
    given = _string(person.get("given_name"), "person.given_name").strip()
    family = _string(person.get("family_name"), "person.family_name").strip()
    kind = _string(top.get(KIND), KIND) or Signature.Kind.INDIVIDUAL
    form_data = {
        "kind": kind,
        # One name, as the form has: "given family", or whichever part was sent.
        "name": " ".join(part for part in (given, family) if part),
        "organisation": _string(person.get("employer"), "person.employer"),
        "role": _string(person.get("work_title"), "person.work_title"),
        "country": _string(postal.get("country"), "person.postal_addresses[0].country"),
        "email": _string(email.get("address"), "person.email_addresses[0].address"),
        "comment": _string(top.get("comments"), "comments"),
        "show_name": _boolean(top.get(SHOW_NAME), SHOW_NAME, False),
        "news": _boolean(top.get(NEWS), NEWS, False),
        "contact": _boolean(top.get(CONTACT), CONTACT, False),
    }
    referrer = _string(referrer_data.get("source"), "referrer_data.source")
    if len(referrer) > REFERRER_MAX:
        raise BadBody(f"referrer_data.source is longer than {REFERRER_MAX} characters.")
    return HelperCall(form_data=form_data, referrer=referrer, language=_language(person))


_TEXT = {"type": ["string", "null"]}
_FLAG = {"type": ["boolean", "null"], "default": False}

# The helper's operation for the API's OpenAPI description (docs/api.md; the API's views own the
# document and may take this as it is). JSON Schema of OpenAPI 3.1.
OPENAPI_OPERATION: dict[str, Any] = {
    "summary": "Record a sign-on (OSDI record_signature_helper); confirmed by the signer's email",
    "description": "docs/api-helper.md. Needs a token with the sign scope. The answer is the same "
                   "whether or not the address had signed.",
    "parameters": [{"name": "petition_id", "in": "path", "required": True,
                    "schema": {"type": "integer"}}],
    "requestBody": {"required": True, "content": {media: {"schema": {
        "type": "object", "required": ["person"],
        "properties": {
            "person": {"type": "object", "properties": {
                "given_name": _TEXT, "family_name": _TEXT, "employer": _TEXT, "work_title": _TEXT,
                "email_addresses": {"type": "array", "items": {
                    "type": "object", "properties": {"address": _TEXT}}},
                "postal_addresses": {"type": "array", "items": {
                    "type": "object", "properties": {"country": _TEXT}}},
                "languages_spoken": {"type": "array", "items": {"type": "string"}}}},
            "comments": _TEXT,
            "referrer_data": {"type": "object", "properties": {"source": _TEXT}},
            KIND: {"type": ["string", "null"], "enum": ["individual", "organisation", None]},
            SHOW_NAME: _FLAG, NEWS: _FLAG, CONTACT: _FLAG,
            "add_tags": {}, "add_lists": {}, "triggers": {}}}}
        for media in ("application/json", "application/hal+json")}},
}
