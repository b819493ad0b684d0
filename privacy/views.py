"""Public privacy pages: the policy generated from the settings, and the data-rights pages a
signer or commenter reaches from a link in our mails (see privacy/links.py)."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from comments import actions as comment_actions
from core.addresses import mailbox
from core.protection import Limit, ip_hash, is_same_origin, within_limits
from core.sealed import keyed_hash
from privacy import actions
from privacy.forms import ForgetForm, RequestLinkForm
from privacy.holdings import export_for_address
from privacy.links import BadToken, make_token, read_token

LINK_IP_LIMIT = Limit("privacy-link-ip", 20, 3600)
# A few mails a day to one address, whoever asks: enough for its owner, too few to flood it.
# The window is the UTC day (core.protection counts in fixed windows).
LINK_ADDRESS_LIMIT = Limit("privacy-link-address", 3, 24 * 3600)


def retention() -> dict[str, int | bool]:
    product = settings.UNDERSIGNED
    return {
        "ip_days": int(product.get("IP_HASH_RETENTION_DAYS") or 30),
        "unconfirmed_days": int(product.get("UNCONFIRMED_EXPIRY_DAYS") or 7),
        "archive_days": int(product.get("EMAIL_RETENTION_DAYS_AFTER_ARCHIVE") or 90),
        "require_2fa": bool(product.get("REQUIRE_2FA")),
        "session_hours": settings.SESSION_COOKIE_AGE // 3600,
        "link_days": 180,
    }


@require_safe
def policy(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/policy.html", {"retention": retention()})


# Public pages send `Referrer-Policy: no-referrer`, so browsers post them with `Origin: null`
# and Django's CSRF check cannot work here; cross-site posts are refused by is_same_origin
# (Sec-Fetch-Site), as on the sign-on and comment forms, and no cookie is set.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def request_link(request: HttpRequest) -> HttpResponse:
    """Ask for the data-rights link by mail. The answer is the same whether or not we hold
    anything about the address (docs/security.md, invariant 4): only its owner learns that, by mail."""
    if request.method != "POST":
        return render(request, "privacy/request_link.html", {"form": RequestLinkForm()})
    if not is_same_origin(request):
        return render(request, "privacy/request_link.html", {"form": RequestLinkForm()},
                      status=403)
    form = RequestLinkForm(request.POST)
    if not form.is_valid():
        return render(request, "privacy/request_link.html", {"form": form}, status=400)
    email = mailbox(form.cleaned_data["email"])
    if not within_limits([(LINK_IP_LIMIT, ip_hash(request))]):
        return render(request, "privacy/request_link.html", {"form": form, "limited": "ip"},
                      status=429)
    # Counted for every address, held or not, under a keyed hash (a plain one could be matched
    # against guessed addresses): the refusal must not tell which addresses we hold.
    if not within_limits([(LINK_ADDRESS_LIMIT, keyed_hash(email, "privacy.link-limit"))]):
        return render(request, "privacy/request_link.html",
                      {"form": form, "limited": "address", "per_day": LINK_ADDRESS_LIMIT.count},
                      status=429)
    actions.do_request_link(email, translation.get_language() or settings.LANGUAGE_CODE)
    return render(request, "privacy/request_link_sent.html",
                  {"per_day": LINK_ADDRESS_LIMIT.count})


def _bad_link(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/bad_link.html", {}, status=404)


def _remove_comment(request: HttpRequest, email: str) -> HttpResponse:
    """Remove one published (or held) comment of this mailbox, at any time."""
    comment_id = request.POST.get("comment", "")
    if not (comment_id.isascii() and comment_id.isdigit() and len(comment_id) <= 18
            and comment_actions.remove_for_address(email, int(comment_id))):
        return render(request, "privacy/your_data.html",
                      {"data": export_for_address(email), "form": ForgetForm(),
                       "remove_error": True}, status=400)
    # The link may have named the comment just removed: go on under a fresh one.
    token = make_token(email)
    if token is None:
        return render(request, "privacy/comment_removed.html", {})
    response = HttpResponseRedirect(reverse("privacy:your-data", args=[token]) + "?removed=1")
    response.status_code = 303
    return response


@csrf_exempt  # see request_link
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def your_data(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what we hold and two buttons; only a POST downloads or erases (mail scanners
    follow links with GET)."""
    try:
        email = read_token(token)
    except BadToken:
        return _bad_link(request)
    if request.method == "POST":
        if not is_same_origin(request):
            return render(request, "privacy/bad_link.html", {}, status=403)
        action = request.POST.get("action")
        if action == "download":
            data = export_for_address(email)
            response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, indent=2,
                                               ensure_ascii=False),
                                    content_type="application/json; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="undersigned-my-data.json"'
            return response
        if action == "remove_comment":
            return _remove_comment(request, email)
        if action == "forget":
            form = ForgetForm(request.POST)
            if form.is_valid():
                actions.forget_address(email)
                return render(request, "privacy/forgotten.html", {})
            return render(request, "privacy/your_data.html",
                          {"data": export_for_address(email), "form": form}, status=400)
        return render(request, "privacy/your_data.html",
                      {"data": export_for_address(email), "form": ForgetForm()}, status=400)
    return render(request, "privacy/your_data.html",
                  {"data": export_for_address(email), "form": ForgetForm(),
                   "removed": request.GET.get("removed") == "1"})
