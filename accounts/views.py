"""Sign-in for editors and moderators (password, then a TOTP code when enrolled) and the
two-factor enrolment page. Replaces the admin's own login view (see undersigned/urls.py)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import django_otp
from django.contrib import admin, auth
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import actions, throttle
from accounts.forms import CodeForm, CurrentSecondFactorForm, PasswordForm, SecondFactorForm
from core import audit

PENDING_KEY = "accounts.pending_login"
PENDING_MAX_AGE = 5 * 60
# Signed in with a recovery code (a lost phone, most likely): for this long, one new phone may be
# set up without giving yet another code. See two_factor().
RECOVERY_SIGN_IN_KEY = "accounts.recovery_sign_in_at"
LOST_PHONE_GRACE = 10 * 60

if TYPE_CHECKING:
    class StaffRequest(HttpRequest):
        """A request through ``admin.site.admin_view`` (accounts/urls.py): an active staff user
        is signed in."""

        user: User


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("admin:index")


def _throttled_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes.", minutes,
    ) % {"minutes": minutes}


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    context = {**admin.site.each_context(request), "next": _next_url(request),
               "app_path": request.get_full_path(), **context}
    return render(request, template, context, status=status)


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_MAX_AGE:
        return None
    uid = pending.get("uid")
    if uid is None:
        return None
    return auth.get_user_model()._default_manager.filter(pk=uid, is_active=True, is_staff=True).first()


def _finish(request: HttpRequest, user: User, device: object | None) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        django_otp.login(request, device)
    throttle.clear(request, user.get_username())
    recovery = isinstance(device, StaticDevice)
    if recovery:
        request.session[RECOVERY_SIGN_IN_KEY] = time.time()
    audit.record(user, "account.login", user, two_factor=device is not None,
                 recovery_code=recovery)
    if recovery:  # a lost phone, most likely: show what is left and how to set up a new one
        return HttpResponseRedirect(reverse("accounts:two-factor"))
    return HttpResponseRedirect(_next_url(request))


@sensitive_post_parameters("password", "code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("step") == "code":
        return _code_step(request)
    form = PasswordForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return _render(request, "accounts/login.html", {"form": form})
    username = request.POST.get("username", "")[:150]
    wait = throttle.retry_after(request, username)
    if wait:
        return _render(request, "accounts/login.html",
                       {"form": PasswordForm(initial={"username": username}),
                        "notice": _throttled_message(wait)}, status=429)
    user = None
    if form.is_valid():
        user = auth.authenticate(request, username=form.cleaned_data["username"],
                                 password=form.cleaned_data["password"])
    if user is None or not user.is_active or not user.is_staff:
        throttle.record_failure(request, username)
        form.add_error(None, _("Please enter the correct username and password of an editor's "
                               "account. Both fields are case-sensitive."))
        return _render(request, "accounts/login.html", {"form": form}, status=200)
    if not actions.has_two_factor(user):
        return _finish(request, user, None)
    request.session[PENDING_KEY] = {"uid": user.pk, "at": time.time()}
    return _render(request, "accounts/login_code.html", {"form": SecondFactorForm()})


def _code_step(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return _render(request, "accounts/login.html", {
            "form": PasswordForm(), "notice": _("Your sign-in took too long. Please start again.")})
    username = user.get_username()
    wait = throttle.retry_after(request, username)
    if wait:
        request.session.pop(PENDING_KEY, None)
        return _render(request, "accounts/login.html",
                       {"form": PasswordForm(), "notice": _throttled_message(wait)}, status=429)
    form = SecondFactorForm(request.POST)
    device = (actions.verify_second_factor(user, form.cleaned_data["code"]) if form.is_valid()
              else None)
    if device is None:
        throttle.record_failure(request, username)
        if form.is_valid():
            form.add_error("code", _("That code is not valid. Codes change every 30 seconds; "
                                     "each recovery code works once."))
        return _render(request, "accounts/login_code.html", {"form": form})
    return _finish(request, user, device)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def two_factor(request: StaffRequest) -> HttpResponse:
    """Enrol an authenticator app (QR code drawn locally as SVG), replace it with a new phone's,
    or turn two-factor off. Any POST but "remove" confirms the authenticator being set up.

    Replacing the phone, like turning two-factor off, needs the second factor at hand — a code
    from the current authenticator or an unused recovery code (used up) — so that a stolen or
    unlocked session cannot swap in its own. One exception, for a lost phone: within
    LOST_PHONE_GRACE (10 minutes) of signing in with a recovery code, this session may set up
    one new phone without another code; later, or for a second phone, it gives another recovery
    code. A wrong or missing current code: 400, nothing changed."""
    user = request.user
    required = actions.requires_two_factor(user)
    enabled = actions.has_two_factor(user)
    action = request.POST.get("action", "enrol") if request.method == "POST" else None
    if enabled and action == "remove":
        return _remove_two_factor(request, user, required)
    if enabled and action is None and "replace" not in request.GET:
        return _render(request, "accounts/two_factor.html", {
            "enabled": True, "required": required, "form": SecondFactorForm(),
            "codes_left": actions.recovery_codes_left(user)})
    device = actions.pending_device(user)
    data = request.POST if action is not None else None
    form = CodeForm(data)
    grace = enabled and _lost_phone_grace(request)
    current = CurrentSecondFactorForm(data) if enabled and not grace else None
    status = 200
    if action is not None and all([form.is_valid(), current is None or current.is_valid()]):
        with transaction.atomic():
            proved = current is None or _current_factor_ok(user, current)
            codes = actions.confirm_device(user, device, form.cleaned_data["code"]) if proved \
                else None
            if proved and codes is None:
                # The new phone's code was wrong: the current code (a recovery code, perhaps)
                # is not used up, so it can be given again with the right one.
                transaction.set_rollback(True)
        if codes is not None:
            request.session.pop(RECOVERY_SIGN_IN_KEY, None)  # the grace serves one new phone
            django_otp.login(request, device)
            # Shown in this answer only: the codes are not kept anywhere else in clear.
            return _render(request, "accounts/recovery_codes.html",
                           {"codes": codes, "replaced": enabled})
        if proved:
            form.add_error("code", _("That code is not valid. Check the time on your phone and "
                                     "try the current code."))
    if current is not None and current.is_bound and current.errors:
        status = 400
    return _render(request, "accounts/two_factor.html", {
        "enabled": False, "replacing": enabled, "required": required, "form": form,
        "current": current, "qr_svg": actions.qr_svg(device),
        "secret": actions.secret_for_humans(device)}, status=status)


def _lost_phone_grace(request: HttpRequest) -> bool:
    """This session signed in with a recovery code less than LOST_PHONE_GRACE ago."""
    at = request.session.get(RECOVERY_SIGN_IN_KEY)
    return isinstance(at, int | float) and 0 <= time.time() - at <= LOST_PHONE_GRACE


def _current_factor_ok(user: User, form: CurrentSecondFactorForm) -> bool:
    """The (valid) form's code is the user's current second factor; if not, says so on it."""
    if actions.verify_second_factor(user, form.cleaned_data["current_code"]) is not None:
        return True
    form.add_error("current_code", _("That code is not valid. Codes change every 30 seconds; "
                                     "each recovery code works once."))
    return False


def _remove_two_factor(request: HttpRequest, user: User, required: bool
                       ) -> HttpResponse:
    form = SecondFactorForm(request.POST)
    if required:
        form = SecondFactorForm()
    elif form.is_valid() and actions.verify_second_factor(user, form.cleaned_data["code"]):
        actions.remove_two_factor(user, actor=user)
        return HttpResponseRedirect(reverse("accounts:two-factor"))
    elif form.is_valid():
        form.add_error("code", _("That code is not valid. Codes change every 30 seconds; "
                                 "each recovery code works once."))
    return _render(request, "accounts/two_factor.html", {
        "enabled": True, "required": required, "form": form,
        "codes_left": actions.recovery_codes_left(user)}, status=403 if required else 400)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def recovery_codes(request: StaffRequest) -> HttpResponse:
    """How many recovery codes are left; a POST replaces them all and shows the new ones once.
    It needs a code from the current authenticator or an unused recovery code (used up, like
    the rest): a stolen session alone gets no codes. Wrong or missing: 400, nothing changed."""
    user = request.user
    if not actions.has_two_factor(user):
        return HttpResponseRedirect(reverse("accounts:two-factor"))
    form = CurrentSecondFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and _current_factor_ok(user, form):
        return _render(request, "accounts/recovery_codes.html",
                       {"codes": actions.regenerate_recovery_codes(user, actor=user)})
    return _render(request, "accounts/recovery_codes.html",
                   {"codes_left": actions.recovery_codes_left(user), "form": form},
                   status=400 if form.is_bound else 200)
