"""The API's OpenAPI 3.1 description, served at /api/v1/openapi.json (docs/api.md).

Written here by hand, next to the views it describes: the schemathesis test in the suite
(tests/api/test_schema.py) calls every operation with what this document allows and checks
the answers against it, so a drift shows as a failing test.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings

from api import helper_body
from api.filters import MAX_LENGTH as FILTER_MAX_LENGTH
from api.paging import DEFAULT_PER_PAGE, MAX_PAGESIZE
from api.tokens import HEADER

_HAL = "application/hal+json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _answer(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {_HAL: {"schema": _ref(schema)}}}


def _errors(*statuses: int) -> dict[str, Any]:
    words = {400: "The request is not valid; the error says why.",
             401: "The token is missing (people only), unknown, revoked or malformed.",
             403: "The token lacks the scope this needs.",
             404: "No such resource (or not public).",
             413: "The body is too large.",
             415: "The body is not JSON.",
             405: "Method not allowed.",
             429: "Too many requests; see Retry-After."}
    return {str(status): _answer(words[status], "Error") for status in statuses}


_PAGING = [
    {"name": "page", "in": "query", "required": False,
     "description": "Page number. Without `after`, at most 1,000 rows in; follow "
                    "`_links.next` beyond.",
     "schema": {"type": "integer", "minimum": 1, "maximum": 999999999}},
    {"name": "per_page", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGESIZE,
                "default": DEFAULT_PER_PAGE}},
    {"name": "after", "in": "query", "required": False,
     "description": "Opaque cursor from a `_links.next`.", "schema": {"type": "string"}},
    {"name": "filter", "in": "query", "required": False,
     "description": "OData subset: `modified_date gt '2026-01-01T00:00:00Z'` (gt, ge, lt, "
                    "le; joined by `and`).",
     "schema": {"type": "string", "maxLength": FILTER_MAX_LENGTH}},
]


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1}}


def _read(summary: str, schema: str, *, parameters: list[dict[str, Any]] | None = None,
          private: bool = False) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary, "parameters": parameters or [],
        "responses": {"200": _answer("OK", schema),
                      **_errors(*((400, 401, 403, 404, 429) if private else (400, 401, 404,
                                                                            429)))},
    }
    operation["security"] = [{"token": []}] if private else [{}, {"token": []}]
    return operation


_LINK = {"type": "object", "properties": {"href": {"type": "string"}}, "required": ["href"]}
_LINKS = {"type": "object", "additionalProperties": True}
_DATE = {"type": ["string", "null"], "format": "date-time"}


def _collection(relation: str, item: str) -> dict[str, Any]:
    return {"type": "object",
            "required": ["total_pages", "per_page", "page", "total_records", "_links",
                         "_embedded"],
            "properties": {
                "total_pages": {"type": "integer"}, "per_page": {"type": "integer"},
                "page": {"type": "integer"}, "total_records": {"type": "integer"},
                "undersigned:total_capped": {"type": "boolean"},
                "_links": {"type": "object", "properties": {
                    "self": _LINK, "next": _LINK, "prev": _LINK,
                    relation: {"type": "array", "items": _LINK}}},
                "_embedded": {"type": "object", "required": [relation], "properties": {
                    relation: {"type": "array", "items": _ref(item)}}},
            }}


@functools.cache
def _schemas() -> dict[str, Any]:
    return {
        "Error": {"type": "object", "required": ["osdi:error"], "properties": {
            "osdi:error": {"type": "object", "required": ["response_code"], "properties": {
                "request_type": {"enum": ["atomic", "non-atomic"]},
                "response_code": {"type": "integer"},
                "resource_status": {"type": "array", "items": {"type": "object", "properties": {
                    "resource": {"type": "string"}, "response_code": {"type": "integer"},
                    "error_descriptions": {"type": "array", "items": {
                        "type": "object", "required": ["error_code", "description"],
                        "properties": {"error_code": {"type": "string"},
                                       "description": {"type": "string"},
                                       "properties": {"type": "array",
                                                      "items": {"type": "string"}},
                                       "hint": {"type": "string"}}}}}}}}}}},
        "EntryPoint": {"type": "object",
                       "required": ["motd", "vendor_name", "product_name", "osdi_version",
                                    "max_pagesize", "_links"],
                       "properties": {"motd": {"type": "string"},
                                      "vendor_name": {"type": "string"},
                                      "product_name": {"type": "string"},
                                      "osdi_version": {"type": "string"},
                                      "max_pagesize": {"type": "integer"},
                                      "_links": _LINKS}},
        "Organisation": {"type": "object", "properties": {
            "identifiers": {"type": "array", "items": {"type": "string"}},
            "name": {"type": "string"}, "browser_url": {"type": "string"}}},
        "Petition": {"type": "object",
                     "required": ["identifiers", "title", "browser_url", "total_signatures",
                                  "_links"],
                     "properties": {
                         "identifiers": {"type": "array", "items": {"type": "string"}},
                         "origin_system": {"type": "string"},
                         "created_date": _DATE, "modified_date": _DATE,
                         "title": {"type": "string"}, "summary": {"type": "string"},
                         "description": {"type": "string", "description": "HTML"},
                         "petition_text": {"type": "string", "description": "Markdown"},
                         "browser_url": {"type": "string"},
                         "featured_image_url": {"type": ["string", "null"]},
                         "total_signatures": {"type": "integer"},
                         "undersigned:language": {"type": "string"},
                         "undersigned:status": {"type": "string"},
                         "undersigned:translations": {"type": "array", "items": {
                             "type": "object", "properties": {
                                 "language": {"type": "string"}, "title": {"type": "string"},
                                 "browser_url": {"type": "string"}}}},
                         "_embedded": {"type": "object", "properties": {
                             "osdi:creator": {"type": "array",
                                              "items": _ref("Organisation")}}},
                         "_links": _LINKS}},
        "Signature": {"type": "object", "required": ["identifiers", "_links"], "properties": {
            "identifiers": {"type": "array", "items": {"type": "string"}},
            "origin_system": {"type": "string"},
            "created_date": _DATE, "modified_date": _DATE, "action_date": _DATE,
            "comments": {"type": "string"},
            "referrer_data": {"type": "object", "properties": {"source": {"type": "string"}}},
            "undersigned:status": {"enum": ["named", "counted"]},
            "undersigned:display": {"type": "object", "properties": {
                "kind": {"enum": ["individual", "organisation"]},
                "name": {"type": "string"}, "organisation": {"type": "string"},
                "role": {"type": "string"}, "country": {"type": "string"},
                "comment": {"type": "string"}}},
            "_links": _LINKS}},
        "Person": {"type": "object", "required": ["identifiers", "email_addresses", "_links"],
                   "properties": {
                       "identifiers": {"type": "array", "items": {"type": "string"}},
                       "given_name": {"type": "string"},
                       "email_addresses": {"type": "array", "items": {
                           "type": "object", "properties": {
                               "address": {"type": "string"}, "primary": {"type": "boolean"},
                               "status": {"type": "string"}}}},
                       "postal_addresses": {"type": "array", "items": {
                           "type": "object", "properties": {"country": {"type": "string"}}}},
                       "employer": {"type": "string"}, "work_title": {"type": "string"},
                       "_links": _LINKS}},
        "Petitions": _collection("osdi:petitions", "Petition"),
        "Signatures": _collection("osdi:signatures", "Signature"),
        "People": _collection("osdi:people", "Person"),
        "Accepted": {"type": "object", "description": "The same answer whether or not the "
                     "address had signed: the signer confirms by email (double opt-in)."},
    }


def document() -> dict[str, Any]:
    petition_id, signature_id = _id("petition_id"), _id("signature_id")
    return {
        "openapi": "3.1.0",
        "info": {"title": "undersigned OSDI API", "version": "1.0",
                 "description": "Statements as OSDI petitions, their public signatures, and "
                                "(read_private) the signers who agreed to be contacted. "
                                "See docs/api.md."},
        "servers": [{"url": settings.BASE_URL + "/api/v1"}],
        "components": {
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": HEADER}},
            "schemas": _schemas(),
        },
        "paths": {
            "/": {"get": _read("The entry point", "EntryPoint")},
            "/petitions": {"get": _read("Public statements", "Petitions", parameters=_PAGING)},
            "/petitions/{petition_id}": {"get": _read("One statement", "Petition",
                                                      parameters=[petition_id])},
            "/petitions/{petition_id}/signatures": {"get": _read(
                "A statement's visible named signatures (read_private: every visible one)",
                "Signatures", parameters=[petition_id, *_PAGING])},
            "/petitions/{petition_id}/signatures/{signature_id}": {"get": _read(
                "One signature", "Signature", parameters=[petition_id, signature_id])},
            # The helper's request is described where its body is read (api/helper_body.py).
            "/petitions/{petition_id}/record_signature_helper": {"post": {
                **helper_body.OPENAPI_OPERATION,
                "parameters": [petition_id],
                "security": [{"token": []}],
                "responses": {"202": _answer("Accepted: a confirmation mail is on its way",
                                             "Accepted"),
                              **_errors(400, 401, 403, 404, 405, 413, 415, 429)},
            }},
            "/people": {"get": _read("Signers who agreed to be contacted", "People",
                                     parameters=_PAGING, private=True)},
            "/people/{person_id}": {"get": _read("One such signer", "Person",
                                                 parameters=[_id("person_id")],
                                                 private=True)},
        },
    }
