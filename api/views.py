"""The API's endpoints (docs/api.md): thin views that check the caller, parse the query and
ask ``api.public`` for the resources. Every answer is HAL+JSON; every refusal an ``osdi:error``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from api import openapi as openapi_document
from api import public
from api.actions import do_record_private_read
from api.filters import BadFilter
from api.filters import parse as parse_filter
from api.http import error, hal
from api.models import ApiToken
from api.paging import MAX_PAGESIZE, BadPage, PageRequest, page_request
from api.representations import CURIES, api_url
from api.tokens import HEADER, BadToken, token_for
from core import protection
from core.protection import Limit

# Per token, and per address for callers without one (an IPv6 /64 counts as one address).
TOKEN_LIMIT = Limit("api:token", 600, 60)
ANONYMOUS_LIMIT = Limit("api:anonymous", 120, 60)
# Every caller together, so that many addresses cannot take the database from the site.
SITE_LIMIT = Limit("api:site", 6000, 60)
READ_METHODS = ("GET", "HEAD")
MOTD = "The statements on this site and their public signatories, as OSDI petitions."
PRIVATE_FIELDS = ["email_addresses", "given_name", "postal_addresses", "employer",
                  "work_title", "referrer_data"]

View = Callable[..., HttpResponse]


class Caller:
    """Who asks: a live token, or nobody."""

    def __init__(self, token: ApiToken | None) -> None:
        self.token = token

    @property
    def private(self) -> bool:
        return self.token is not None and self.token.can_read_private


def _limits(request: HttpRequest, token: ApiToken | None) -> list[tuple[Limit, str]]:
    own = (TOKEN_LIMIT, token.prefix) if token is not None else (
        ANONYMOUS_LIMIT, protection.limit_address(protection.client_ip(request)))
    return [own, (SITE_LIMIT, "site")]


def endpoint(*, private_only: bool = False) -> Callable[[View], View]:
    """Method, token, rate limit and error handling around one read endpoint."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            if request.method not in READ_METHODS:
                refused = error(405, f"{request.method} is not allowed here; only GET.")
                refused["Allow"] = ", ".join(READ_METHODS)
                return refused
            try:
                token = token_for(request)
            except BadToken:
                return _unauthorised("The token is unknown, revoked or malformed.")
            checks = _limits(request, token)
            counted = protection.count_limits(checks)
            if not protection.allowed_by(checks, counted):
                refused_by = checks[min(len(counted), len(checks)) - 1][0]
                refused = error(429, "Too many requests; wait and try again.")
                refused["Retry-After"] = str(protection.seconds_left(refused_by))
                return refused
            caller = Caller(token)
            if private_only and not caller.private:
                if token is None:
                    return _unauthorised(f"People are read with a token ({HEADER} header) "
                                         "holding the read_private scope.")
                return error(403, "This token does not hold the read_private scope.")
            try:
                return view(request, caller, **kwargs)
            except Http404:
                return error(404, "There is no such resource.")
            except BadPage as refusal:
                return error(400, str(refusal), properties=[refusal.parameter],
                             hint=refusal.hint)
            except BadFilter as refusal:
                return error(400, str(refusal), properties=["filter"])
        return wrapped
    return decorate


def _unauthorised(description: str) -> HttpResponse:
    refused = error(401, description)
    refused["WWW-Authenticate"] = HEADER
    return refused


def _page_links(request: HttpRequest, asked: PageRequest, listing: public.Listing,
                path: str) -> dict[str, Any]:
    """``self`` and ``next`` (with the cursor); ``prev`` while the page number reaches back
    without a cursor (a cursor walks forwards only: the way back is the client's history)."""
    def url(**values: Any) -> str:
        query = QueryDict(mutable=True)
        for key in ("filter", "per_page"):
            if request.GET.get(key):
                query[key] = request.GET[key]
        for key, value in values.items():
            if value:
                query[key] = str(value)
        encoded = query.urlencode(safe="'")
        return api_url(path) + (f"?{encoded}" if encoded else "")

    links: dict[str, Any] = {"self": {"href": url(page=asked.page if asked.page > 1 else "",
                                                  after=asked.after.encode()
                                                  if asked.after else "")}}
    if listing.page.next_cursor is not None:
        links["next"] = {"href": url(page=asked.page + 1, after=listing.page.next_cursor.encode())}
    if asked.page > 1 and asked.after is None:
        links["prev"] = {"href": url(page=asked.page - 1 if asked.page > 2 else "")}
    return links


def _collection(request: HttpRequest, asked: PageRequest, listing: public.Listing, *,
                path: str, relation: str) -> dict[str, Any]:
    links = _page_links(request, asked, listing, path)
    links[relation] = [resource["_links"]["self"] for resource in listing.resources]
    links["curies"] = CURIES
    body: dict[str, Any] = {
        "total_pages": max(1, math.ceil(listing.total_records / asked.per_page), asked.page),
        "per_page": asked.per_page,
        "page": asked.page,
        "total_records": listing.total_records,
        "_links": links,
        "_embedded": {relation: listing.resources},
    }
    if listing.capped:
        body["undersigned:total_capped"] = True
    return body


def _asked(request: HttpRequest) -> tuple[PageRequest, list[Any]]:
    return page_request(request.GET), parse_filter(request.GET.get("filter", ""))


@endpoint()
def entry_point(request: HttpRequest, caller: Caller) -> HttpResponse:
    return hal({
        "motd": MOTD,
        "vendor_name": "undersigned",
        "product_name": "undersigned",
        "osdi_version": "1.0",
        "max_pagesize": MAX_PAGESIZE,
        "namespace": "undersigned",
        "_links": {
            "curies": CURIES,
            "self": {"href": api_url(reverse("api:root")), "title": "This API entry point"},
            "osdi:petitions": {"href": api_url(reverse("api:petitions")),
                               "title": "The statements on this site"},
            # Always linked: that people exist says nothing; reading them takes read_private.
            "osdi:people": {"href": api_url(reverse("api:people")),
                            "title": "Signers who agreed to be contacted (read_private)"},
            "undersigned:openapi": {"href": api_url(reverse("api:openapi")),
                                    "title": "This API's OpenAPI description"},
        },
    })


@endpoint()
def openapi(request: HttpRequest, caller: Caller) -> HttpResponse:
    response = hal(openapi_document.document())
    response["Content-Type"] = "application/json; charset=utf-8"
    return response


@endpoint()
def petitions(request: HttpRequest, caller: Caller) -> HttpResponse:
    asked, comparisons = _asked(request)
    listing = public.petitions(asked, comparisons)
    return hal(_collection(request, asked, listing, path=reverse("api:petitions"),
                           relation="osdi:petitions"))


@endpoint()
def petition(request: HttpRequest, caller: Caller, petition_id: int) -> HttpResponse:
    return hal(public.petition(petition_id))


@endpoint()
def signatures(request: HttpRequest, caller: Caller, petition_id: int) -> HttpResponse:
    statement = public.public_statement(petition_id)
    asked, comparisons = _asked(request)
    listing = public.signatures(statement, asked, comparisons, private=caller.private)
    if caller.private and caller.token is not None:
        do_record_private_read(caller.token, endpoint="signatures", fields=["referrer_data"],
                               signature_ids=[row.pk for row in listing.page.rows])
    return hal(_collection(request, asked, listing,
                           path=reverse("api:signatures", args=[statement.pk]),
                           relation="osdi:signatures"))


@endpoint()
def signature(request: HttpRequest, caller: Caller, petition_id: int,
              signature_id: int) -> HttpResponse:
    statement = public.public_statement(petition_id)
    row, resource = public.signature(statement, signature_id, private=caller.private)
    if caller.private and caller.token is not None:
        do_record_private_read(caller.token, endpoint="signature", signature_ids=[row.pk],
                               fields=["referrer_data"])
    return hal(resource)


@endpoint(private_only=True)
def people(request: HttpRequest, caller: Caller) -> HttpResponse:
    asked, comparisons = _asked(request)
    listing, ids = public.people(asked, comparisons)
    do_record_private_read(_holder(caller), endpoint="people", signature_ids=ids,
                           fields=PRIVATE_FIELDS)
    return hal(_collection(request, asked, listing, path=reverse("api:people"),
                           relation="osdi:people"))


@endpoint(private_only=True)
def person(request: HttpRequest, caller: Caller, person_id: int) -> HttpResponse:
    resource = public.person(person_id)
    do_record_private_read(_holder(caller), endpoint="person", signature_ids=[person_id],
                           fields=PRIVATE_FIELDS)
    return hal(resource)


def _holder(caller: Caller) -> ApiToken:
    """The token of a caller that ``endpoint(private_only=True)`` let through."""
    if caller.token is None:  # pragma: no cover - the decorator answered 401 already
        raise Http404
    return caller.token


@csrf_exempt
def not_found(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """Any other address under /api/v1/: a JSON 404, whatever the method."""
    return error(404, "There is no such resource.",
                 hint=f"The API's entry point is {api_url(reverse('api:root'))}.")
