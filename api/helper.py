"""OSDI's ``record_signature_helper``: a sign-on from a partner site or a coalition's tool
(docs/api-helper.md).

It is the sign-on form by another road, and takes no shortcut the form does not: the same field
rules (``signatures.forms.SignForm`` decides), the same rate limits (``sign_limits``, with the
token where the form has the visitor's network), the same intake (``actions.do_sign``) and the
same email double opt-in — a helper call never makes a confirmed signature. It answers the same
``202`` whether or not the address had signed (invariant 4), so the answer holds no signature.

What the token replaces: the form's origin check, form token and honeypot (a token holder is
not a browser), and proof of work in surge mode (the coalition trusts its token holders; the
sign-ons are still counted, and still held for review when made during a surge).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from api import helper_body
from api.http import error, hal
from api.models import ApiToken
from api.representations import api_url
from api.tokens import BadToken, Scope, scopes_of, token_for
from core import guards
from core.guards import Refusal
from core.text import clean_text
from signatures import actions, surge
from signatures.forms import SignForm
from signatures.models import Signature
from signatures.views import sign_limits
from statements import lookup
from statements.models import Statement

# Twice the form's limit: a JSON body escapes what a form body does not, and partner tools send
# tags and lists (ignored) along. Far above any valid sign-on, far below anything costly.
MAX_BODY_BYTES = 32 * 1024
JSON_TYPES = frozenset({"application/json", "application/hal+json"})
RETRY_AFTER_SECONDS = 60
ANSWER = ("Received. Nothing is public until the signer confirms: the address is sent an email "
          "in the signer's language, with a confirmation link if it has not signed this "
          "petition, or a note if it has. This answer is the same in both cases.")


def _json_content_type(request: HttpRequest) -> bool:
    media_type, _sep, parameters = request.META.get("CONTENT_TYPE", "").partition(";")
    if media_type.strip().lower() not in JSON_TYPES:
        return False
    charset = ""
    for parameter in parameters.split(";"):
        name, _eq, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return charset in ("", "utf-8", "utf8")


def _decoded(body: bytes) -> Any:
    """The JSON value, or ``BadBody``: broken UTF-8, broken JSON, absurd nesting."""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise helper_body.BadBody("The body is not valid JSON in UTF-8.") from exc


def _form_errors(form: SignForm) -> str:
    """The form's refusals, each named by where it was in the JSON."""
    return " ".join(
        f"{helper_body.JSON_PATHS.get(field, 'The body')}: {' '.join(map(str, messages))}"
        for field, messages in form.errors.items())


def _language(call: helper_body.HelperCall, statement: Statement) -> str:
    """The signer's language for the mails: the first of theirs the site speaks, else the
    statement's, else the site's."""
    ours = {code for code, _name in settings.LANGUAGES}
    if call.language:
        return call.language
    return statement.language if statement.language in ours else settings.LANGUAGE_CODE


def _signing_token(request: HttpRequest) -> ApiToken | HttpResponse:
    """The request's token if it may sign, else the 401 or 403 to answer."""
    try:
        token = token_for(request)
    except BadToken:
        return error(401, "The OSDI-API-Token is not a valid token.")
    if token is None:
        return error(401, "This needs a token with the sign scope, in the OSDI-API-Token header.")
    if Scope.SIGN not in scopes_of(token):
        return error(403, "This token may not record signatures: it needs the sign scope.")
    return token


def _signer(request: HttpRequest) -> tuple[helper_body.HelperCall, SignForm, str] | HttpResponse:
    """The call read from the body and validated by the sign-on form (with the referrer as the
    text policy cleans it), or the 400 or 413 to answer."""
    body = request.body
    if len(body) > MAX_BODY_BYTES:  # a body sent without Content-Length (chunked)
        return error(413, f"The body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        call = helper_body.read(_decoded(body))
        referrer = clean_text(call.referrer)
    except helper_body.BadBody as bad:
        return error(400, str(bad))
    except ValidationError:
        return error(400, "referrer_data.source: control or invisible characters are refused.")
    with translation.override("en"):  # the API speaks English (docs/api-helper.md)
        form = SignForm(call.form_data)
        if not form.is_valid():
            return error(400, _form_errors(form))
    return call, form, referrer


@csrf_exempt  # a token, not a cookie, authorises it: there is no session to forge
def record_signature_helper(request: HttpRequest, petition_id: int) -> HttpResponse:
    if request.method != "POST":
        response = error(405, "Only POST records a signature.")
        response["Allow"] = "POST"
        return response
    token = _signing_token(request)
    if isinstance(token, HttpResponse):
        return token
    if guards.too_big(request, MAX_BODY_BYTES):
        return error(413, f"The body is larger than {MAX_BODY_BYTES} bytes.")
    if not _json_content_type(request):
        return error(415, "Send the body as application/json (or application/hal+json) in "
                          "UTF-8.")
    try:
        statement = lookup.public_statement(pk=petition_id)
    except Http404:
        return error(404, "There is no such petition.")
    if not statement.is_open_for_signing:
        return error(403, "Signing is closed: this petition no longer accepts signatures.")
    signer = _signer(request)
    if isinstance(signer, HttpResponse):
        return signer
    call, form, referrer = signer
    # Counted last, as the form's are: a refused call uses up nobody's allowance. The token
    # stands where the form has the visitor's network.
    limited, counts = guards.check_limits(sign_limits(statement.pk, f"token-{token.pk}"),
                                          visitor_scopes=2)
    if limited is not None:
        response = error(429, "This token has recorded many signatures on this petition just now."
                         if limited == Refusal.LIMITED_VISITOR else
                         "So many people are signing right now that no more are taken this "
                         "minute.", hint="Try again after the time in Retry-After.")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    surge.notice(statement, counts[2])
    actions.do_sign(statement, form.signer_details(
        source=Signature.Source.API,
        # The token's name when the caller names no source: the editors still see where from.
        referrer=(referrer or token.name)[:helper_body.REFERRER_MAX],
    ), ip_hash="", language=_language(call, statement))
    # Answered only now: do_sign's transaction has committed (invariant 6).
    return hal({
        "undersigned:status": "confirmation_pending",
        "description": ANSWER,
        "_links": {"osdi:petition": {"href": api_url(reverse("api:petition",
                                                               args=[statement.pk]))}},
    }, status=202)
