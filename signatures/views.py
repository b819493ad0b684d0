"""Public sign-on views: thin — parse input, check the protections, call an action.

The statement page carries no per-visitor token, so the sign-on POST is csrf_exempt and
protected instead by the Origin/Sec-Fetch-Site check, the windowed form token, the honeypot,
rate limits on the keyed IP hash and, when switched on, proof of work.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import guards, proof_of_work, protection
from core.addresses import mailbox
from core.guards import Refusal
from core.handlers import public_form
from core.protection import Limit
from core.responses import allow_form_handover, private
from core.text import clean_text
from pages.decorators import cached_page
from pages.store import declare_query
from signatures import actions, public, surge, tokens
from signatures.forms import CorrectionForm, SignForm
from signatures.models import Signature
from signatures.tasks import MAX_MAILS_PER_SIGNATURE, MIN_MAIL_INTERVAL
from statements import lookup, pages
from statements.models import Statement

MAX_BODY_BYTES = 16 * 1024

# Per network (an IPv4 address, or an IPv6 /64: core.protection.limit_address). Sized for a
# classroom or a campus behind one address: 30 people signing within a few minutes pass; a
# script's burst of hundreds is slowed to this pace.
SIGN_NETWORK_STATEMENT_LIMIT = Limit("sign:network-statement", 60, 300)
SIGN_NETWORK_LIMIT = Limit("sign:network", 200, 600)
# Per statement and site-wide (SIGN_STATEMENT_PER_MINUTE, SIGN_SITE_PER_MINUTE): sized for a
# viral day, they stop a flood from many networks that the per-network limits cannot see.
STATEMENT_MINUTE, SITE_MINUTE = "sign:statement-minute", "sign:site-minute"
RESEND_LIMIT = Limit("sign:resend", 10, 3600)
# Confirmation POSTs per network: one per sign-on the same network may make.
CONFIRM_LIMIT = Limit("sign:confirm", 60, 600)


def sign_limits(statement_id: int, network: str) -> list[tuple[Limit, str]]:
    """Narrowest first (core.protection.count_limits): a network's refused flood does not
    count against the statement's or the site's limits, so it cannot shut others out.
    Four counters per sign-on, one transaction of the shared cache, nothing in the database."""
    config = settings.UNDERSIGNED
    return [(SIGN_NETWORK_STATEMENT_LIMIT, f"{statement_id}:{network}"),
            (SIGN_NETWORK_LIMIT, network),
            (Limit(STATEMENT_MINUTE, config["SIGN_STATEMENT_PER_MINUTE"], 60), str(statement_id)),
            (Limit(SITE_MINUTE, config["SIGN_SITE_PER_MINUTE"], 60), "site")]


def _message(request: HttpRequest, status: int, title: str, message: str,
             extra: dict[str, Any] | None = None) -> HttpResponse:
    return private(render(request, "signatures/message.html",
                           {"title": title, "message": message, **(extra or {})}, status=status))


def _statement(slug: str) -> Statement:
    return lookup.public_statement(slug=slug)


def _form_page(request: HttpRequest, statement: Statement, form: SignForm, status: int
               ) -> HttpResponse:
    return private(render(request, "signatures/sign.html",
                           {"statement": statement, "form": form,
                            "section": public.form_context(statement)}, status=status))


@public_form
@csrf_exempt
@require_POST
def sign(request: HttpRequest, slug: str) -> HttpResponse:
    """The sign form's POST, through the public forms' guard pipeline (core.guards)."""
    statement = _statement(slug)
    refusal = guards.check_request(request, max_bytes=MAX_BODY_BYTES,
                                   is_open=statement.is_open_for_signing)
    if refusal == Refusal.HONEYPOT:
        # Answer a bot exactly as a person, so it learns nothing; store nothing.
        return HttpResponseRedirect(public.sent_url(statement), status=303)
    if refusal is not None:
        return _refused(request, refusal,
                        _("Please sign using the form on the statement's page."))
    form = SignForm(request.POST)
    valid = form.is_valid()
    refusal = guards.check_form(
        request, purpose="sign", object_id=statement.pk,
        needs_proof=proof_of_work.pow_required(statement) or statement.surge_active())
    if refusal is not None:
        form.add_error(None, _FORM_REFUSALS[refusal])
    if not valid or refusal is not None:
        return _form_page(request, statement, form, 400)
    ip = protection.ip_hash(request)
    refusal, counts = guards.check_limits(sign_limits(statement.pk, ip), visitor_scopes=2)
    if refusal is not None:
        return _refused(request, refusal)
    surge.notice(statement, counts[2])
    actions.do_sign(statement, form.signer_details(), ip_hash=ip, language=get_language())
    # Answered only now: do_sign's transaction has committed (docs/security.md, invariant 6).
    return HttpResponseRedirect(public.sent_url(statement), status=303)


# Lazy: the messages are read in the language of the request that shows them.
_FORM_REFUSALS = {
    Refusal.TOO_FAST: gettext_lazy("Please wait a few seconds, then send the form again."),
    Refusal.EXPIRED: gettext_lazy("This form was open for too long. Please check it and send it "
                                  "again."),
    Refusal.NO_PROOF: gettext_lazy(
        "Right now signing needs JavaScript: this statement is under a flood of automated "
        "sign-ons, and the check that stops them runs in your browser. Switch JavaScript on "
        "for this site, wait until the form says the check is done, and send the form again "
        "(what you entered is kept). Without JavaScript, please come back later: the check is "
        "switched off when the flood is over."),
    Refusal.PROOF_FAILED: gettext_lazy(
        "The anti-flood check was not accepted: it works once and expires after a few "
        "minutes. Wait until the form says a new check is done, then send the form again."),
}


def _refused(request: HttpRequest, refusal: Refusal, hint: str | None = None) -> HttpResponse:
    """The page for a refusal of the guard pipeline, in the signer's words."""
    if refusal == Refusal.TOO_BIG:
        return _message(request, 413, _("Too much data"),
                        _("What you sent is far longer than this form allows."))
    if refusal == Refusal.CROSS_SITE:
        return _message(request, 403, _("Not sent from this site"),
                        hint or _("Please use the buttons on the page from your email."))
    if refusal == Refusal.CLOSED:
        return _message(request, 403, _("Signing is closed"),
                        _("This statement no longer accepts signatures. Thank you for your "
                          "interest."))
    if refusal == Refusal.LIMITED_VISITOR:
        return _message(request, 429, _("Too many signatures from your network"),
                        _("Many people have just signed from the same network as you. "
                          "Please try again in a few minutes; your signature is welcome."))
    return _message(request, 429, _("Too many signatures just now"),
                    _("So many people are signing right now that we cannot take more this "
                      "minute. Please try again in a minute; your signature is welcome."))


@require_safe
def sent(request: HttpRequest, slug: str) -> HttpResponse:
    """The same page for every signer of a statement: nothing about who signed."""
    statement = _statement(slug)
    # The mail limits, said to everyone: whether one went out minutes ago is not for the page
    # to tell, but when to ask again is true for every address (docs/signing.md, "No mail?").
    return render(request, "signatures/sent.html", {
        "statement": statement, "max_mails": MAX_MAILS_PER_SIGNATURE,
        "interval_minutes": int(MIN_MAIL_INTERVAL.total_seconds() // 60)})


@csrf_exempt
@require_POST
def resend(request: HttpRequest, slug: str) -> HttpResponse:
    refused = _refuse_post(request, _("Please use the form on this site."))
    if refused:
        return refused
    statement = _statement(slug)
    if protection.honeypot_filled(request.POST):
        return HttpResponseRedirect(public.sent_url(statement, resent=True), status=303)
    try:
        email = mailbox(clean_text(request.POST.get("email", "")))[:254]
    except ValidationError:
        email = ""
    if not email or "@" not in email:
        return _message(request, 400, _("Email address missing"),
                        _("Please enter the address you signed with."))
    if not protection.within_limits([(RESEND_LIMIT, protection.ip_hash(request))]):
        return _message(request, 429, _("Please wait"),
                        _("Too many requests from your network. Please try again later."))
    actions.do_resend_confirmation(statement, email, get_language())
    return HttpResponseRedirect(public.sent_url(statement, resent=True), status=303)


def _refuse_post(request: HttpRequest, hint: str | None = None) -> HttpResponse | None:
    """A clear 4xx for an oversized or cross-site post, before anything is read or stored
    (the first two steps of core.guards, for the signer's own links)."""
    if guards.too_big(request, MAX_BODY_BYTES):
        return _refused(request, Refusal.TOO_BIG)
    if not protection.is_same_origin(request):
        return _refused(request, Refusal.CROSS_SITE, hint)
    return None


def _token_error(request: HttpRequest, error: Exception) -> HttpResponse:
    if isinstance(error, tokens.TokenExpired):
        return _message(request, 410, _("This link has expired"),
                        _("Unconfirmed signatures are deleted after a while. You are welcome to "
                          "sign again from the statement's page."))
    return _message(request, 404, _("This link is not valid"),
                    _("Please check that you copied the whole link from the email."))


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and changes nothing (mail scanners follow links); POST confirms."""
    # Every POST counts, valid link or not: a script holding many links (or guessing) is
    # slowed to the pace at which its network may sign.
    if request.method == "POST" and not protection.within_limits(
            [(CONFIRM_LIMIT, protection.ip_hash(request))]):
        return _message(request, 429, _("Please wait"),
                        _("Too many confirmations from your network. Please try again in a few "
                          "minutes; your link stays valid."))
    try:
        signature = tokens.read_token(token, tokens.CONFIRM)
    except (tokens.TokenInvalid, tokens.TokenExpired) as error:
        return _token_error(request, error)
    manage_url = reverse("signatures:manage", args=[tokens.make_token(signature, tokens.MANAGE)])
    if signature.status == Signature.Status.WITHDRAWN:
        return _message(request, 410, _("This signature was withdrawn"),
                        _("It no longer exists. You are welcome to sign again."))
    if signature.status != Signature.Status.UNCONFIRMED:
        return _message(request, 409, _("Already confirmed"),
                        _("This signature is already confirmed. Thank you!"),
                        {"link": manage_url, "link_text": _("Manage your signature")})
    if not actions.may_confirm(signature):
        return _refused(request, Refusal.CLOSED)
    if request.method == "POST":
        refused = _refuse_post(request)
        if refused:
            return refused
        try:
            actions.do_confirm(signature)
        except actions.NotConfirmable:
            return _message(request, 409, _("Already confirmed"),
                            _("This signature is already confirmed. Thank you!"),
                            {"link": manage_url, "link_text": _("Manage your signature")})
        return HttpResponseRedirect(manage_url + "?confirmed=1", status=303)
    return private(render(request, "signatures/confirm.html", {"signature": signature,
                                                                "statement": signature.statement}))


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    try:
        signature = tokens.read_token(token, tokens.MANAGE)
    except (tokens.TokenInvalid, tokens.TokenExpired) as error:
        return _token_error(request, error)
    if signature.status == Signature.Status.WITHDRAWN:
        return _message(request, 410, _("This signature was withdrawn"),
                        _("Your signature was withdrawn and what we held about it erased."))
    statement = signature.statement
    initial = {"name": signature.name, "organisation": signature.organisation_name,
               "role": signature.role, "country": signature.country,
               "show_name": signature.show_name, "comment": signature.comment,
               "news": signature.wants_news, "contact": signature.wants_contact}
    form = CorrectionForm(initial=initial, kind=signature.kind)
    status = 200
    notice = ""
    if request.GET.get("confirmed"):
        notice = (_("Thank you: your signature is confirmed and on the list.")
                  if signature.status == Signature.Status.VISIBLE else
                  _("Thank you: your signature is confirmed. It will appear once the editors "
                    "have reviewed it."))
    if request.method == "POST":
        refused = _refuse_post(request)
        if refused:
            return refused
        action = request.POST.get("action")
        if action == "withdraw":
            actions.do_withdraw(signature)
            return _message(request, 200, _("Your signature is withdrawn"),
                            _("Your name and your count are gone from the list, and what we held "
                              "about you for this signature is erased."),
                            {"link": statement.get_absolute_url(),
                             "link_text": _("Back to the statement")})
        if action != "correct":
            return _message(request, 400, _("Unknown action"),
                            _("Please use the buttons on the page."))
        form = CorrectionForm(request.POST, kind=signature.kind)
        if form.is_valid():
            signature = actions.do_correct(signature, form.cleaned_data)
            return HttpResponseRedirect(request.path + "?saved=1", status=303)
        status = 400
    if request.GET.get("saved"):
        notice = _("Your changes are saved.")
    # The page offers the statement's share links once confirmed, Mastodon's form among them.
    return allow_form_handover(private(render(request, "signatures/manage.html", {
        "signature": signature, "statement": statement, "form": form, "notice": notice,
        "held": signature.status == Signature.Status.HELD,
        "rejected": signature.status == Signature.Status.REJECTED,
        "unconfirmed": signature.status == Signature.Status.UNCONFIRMED,
    }, status=status)))


# Searches per network (an IPv6 /64 is one) and minute. Each is an index seek, not a scan, but
# none is cached: the budget keeps one address from making the database do nothing else. Sized
# for a school or office behind one address looking up their own names on the day.
SEARCH_LIMIT = Limit("signatories:search", 60, 60)


@cached_page(pages.page_of_statement)
@require_safe
def signatories(request: HttpRequest, slug: str) -> HttpResponse:
    """The full list: one kind at a time, keyset-paginated, searchable, two orders.

    Only each kind and order's first page is stored in the page cache. A page after or before a
    cursor (``?after=…``, ``?before=…``, with its ``page`` number) is answered, never stored: every
    listed signature is a valid cursor, so storing them would allow a page per signature, kind and
    order (~1M entries at 1M signatures) that anyone can fill by walking the list. Not storing them
    costs little: a cursor page is one index seek and a hundred rows, a walk through the list
    renders each page once whether stored or not, and it is the first pages that are read again and
    again.
    """
    statement = _statement(slug)
    searching = bool(request.GET.get("q"))
    if searching and not protection.within_limits([(SEARCH_LIMIT, protection.ip_hash(request))]):
        return _message(request, 429, _("Too many searches"),
                        _("Too many searches from your network in the last minute. Please wait "
                          "a minute and search again, or browse the list in alphabetical order."))
    try:
        page = public.list_page(statement, request.GET)
    except public.BadListQuery:
        return _message(request, 400, _("Bad list request"),
                        _("This list page does not exist. Please start from the first page."))
    response = render(request, "signatures/list.html", {"statement": statement, "page": page})
    if searching:
        # What someone typed (often their own name) is not kept in any cache, and unbounded
        # made-up searches cannot fill one.
        return private(response)
    # Declared without the cursor: a page after or before one does not match, so it is not
    # stored.
    declare_query(request.META, **{name: request.GET.get(name, "")
                                   for name in public.LIST_PARAMETERS
                                   if name not in public.CURSOR_PARAMETERS})
    return response
