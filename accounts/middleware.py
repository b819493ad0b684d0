"""Enforce two-factor authentication inside the admin.

A session that signed in with a password alone is not enough for an account that has an
authenticator: it is signed out. When the operator requires two-factor (UNDERSIGNED_REQUIRE_2FA),
an account that must use it (superusers and whoever can publish, moderate, export or administer
accounts: ``actions.requires_two_factor``) and has no authenticator can reach only the enrolment
page until they enrol.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import auth
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts import actions


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        admin_root = reverse("admin:index")
        user = getattr(request, "user", None)
        if (request.path_info.startswith(admin_root) and user is not None
                and user.is_authenticated and user.is_staff):
            exempt = {reverse("admin:login"), reverse("admin:logout")}
            enrol = reverse("accounts:two-factor")
            if request.path_info not in exempt:
                verified = getattr(user, "is_verified", lambda: False)()
                if actions.has_two_factor(user) and not verified:
                    auth.logout(request)
                    return HttpResponseRedirect(reverse("admin:login") + "?next=" + admin_root)
                if (request.path_info != enrol and actions.requires_two_factor(user)
                        and not actions.has_two_factor(user)):
                    return HttpResponseRedirect(enrol)
        return self.get_response(request)
