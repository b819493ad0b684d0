"""The one-click unsubscribe of update mails (RFC 8058): thin, as every view here.

A mail client's "unsubscribe" button POSTs ``List-Unsubscribe=One-Click`` to the link of the
mail's ``List-Unsubscribe`` header, from its own servers: no cookie, no CSRF token, no Origin
of ours. The token alone authorises it (updates.tokens), and all it can do is stop news, so the
POST is accepted as it comes (``public_form``: the short middleware chain). A GET of the same
link, which link scanners and previews fetch, only shows the button.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core import guards
from core.handlers import public_form
from core.responses import private
from updates import actions, tokens

# The one-click body is 26 bytes; the page's own form sends the same field.
MAX_BODY_BYTES = 1024


def _message(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return private(render(request, "signatures/message.html",
                          {"title": title, "message": message}, status=status))


@public_form
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST" and guards.too_big(request, MAX_BODY_BYTES):
        return _message(request, 413, _("Too much data"),
                        _("Please use the button on the page from your email."))
    try:
        signature = tokens.read_token(token)
    except tokens.TokenInvalid:
        return _message(request, 404, _("This link is not valid"),
                        _("Please check that you copied the whole link from the email. If your "
                          "signature was withdrawn, no news is sent to you any more."))
    statement = signature.statement
    if request.method == "POST":
        actions.do_unsubscribe(signature)
        return private(render(request, "updates/unsubscribe.html",
                              {"statement": statement, "done": True}))
    return private(render(request, "updates/unsubscribe.html",
                          {"statement": statement, "done": False,
                           "subscribed": signature.wants_news}))
