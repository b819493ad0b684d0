"""The list to hand over (printable page and PDF) and the public record of deliveries.

Who may open the list: editors and moderators who may export the public list
(``signatures.export``, as the CSV export asks) for any statement, the public only when the
statement's "publish the printable list" is on (404 otherwise, as for a page that does not
exist). The public's requests are rate-limited per network and its PDF is rendered at most
every few minutes per statement and language (delivery/pdf.py): neither is a way to load the
server.
"""

from __future__ import annotations

from typing import Any

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from core import guards, protection
from core.protection import Limit
from core.responses import private
from delivery import actions, handover, pdf, public
from delivery.render import list_items, parts
from pages.decorators import cached_page
from statements import pages
from statements.models import Statement

# Per network (core.protection.limit_address). The page streams every name; a coalition's
# office opening and printing it a few times passes, a script fetching it in a loop does not.
PRINT_LIMIT = Limit("delivery:print", 30, 600)
PDF_LIMIT = Limit("delivery:pdf", 10, 600)
CHECK_LIMIT = Limit("delivery:check", 30, 600)
# A copy to check: the PDF of 100,000 names is a few megabytes, a CSV with every column some
# more; the server's own request limit is 20 MB (UNDERSIGNED_REQUEST_BODY_MAX_BYTES).
MAX_CHECK_BYTES = 16 * 1024 * 1024
EXPORT_PERMISSION = "signatures.export"


def is_editor(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_staff and user.has_perm(EXPORT_PERMISSION))


def _statement(request: HttpRequest, slug: str) -> tuple[Statement, bool]:
    """The statement whose list this request may open, and whether it is an editor's."""
    if is_editor(request):
        statement = Statement.objects.filter(slug=slug).first()
    else:
        statement = Statement.objects.public().filter(slug=slug, public_handover_list=True).first()
    if statement is None:
        raise Http404("No such list.")
    return statement, is_editor(request)


def _message(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return private(render(request, "signatures/message.html",
                          {"title": title, "message": message}, status=status))


def _limited(request: HttpRequest, limit: Limit) -> HttpResponse | None:
    if protection.within_limits([(limit, protection.ip_hash(request))]):
        return None
    return _message(request, 429, _("Please wait"),
                    _("This list was asked for many times from your network in the last few "
                      "minutes. Please try again in ten minutes."))


def _listing(request: HttpRequest, statement: Statement) -> handover.Handover:
    try:
        return handover.handover(statement, request.GET.get("language", "")[:20])
    except handover.UnknownLanguage:
        raise Http404("The statement is not published in this language.") from None


def _with_language(url: str, language: str, statement: Statement) -> str:
    return url + "?" + urlencode({"language": language}) if language != statement.language else url


@require_safe
def print_list(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    opened = _open_list(request, slug, PRINT_LIMIT)
    if isinstance(opened, HttpResponse):
        return opened
    statement, editor, listing = opened
    base = reverse("delivery:print", args=[statement.slug])
    other_languages = [{"code": code, "url": _with_language(base, code, statement)}
                       for code in handover.languages(statement) if code != listing.language]
    stream = (part.html for part in parts(
        listing, template="delivery/print.html", names=list_items, request=request,
        context={"pdf_url": _with_language(reverse("delivery:pdf", args=[statement.slug]),
                                           listing.language, statement),
                 "other_languages": other_languages}))
    return _list_answer(StreamingHttpResponse(stream, content_type="text/html; charset=utf-8"),
                        editor=editor)


@require_safe
def print_pdf(request: HttpRequest, slug: str) -> HttpResponse | FileResponse:
    opened = _open_list(request, slug, PDF_LIMIT)
    if isinstance(opened, HttpResponse):
        return opened
    statement, editor, listing = opened
    try:
        path = pdf.cached_pdf(statement, listing.language, fresh=editor)
    except pdf.Busy:
        busy = _message(request, 503, _("The PDF is being prepared"),
                        _("Please try again in a minute."))
        busy["Retry-After"] = "60"
        return busy
    name = f"{slugify(statement.slug)[:60] or 'statement'}-{listing.language}-signatories.pdf"
    return _list_answer(FileResponse(path.open("rb"), content_type="application/pdf",
                                     filename=name), editor=editor)


def _open_list(request: HttpRequest, slug: str, limit: Limit
               ) -> tuple[Statement, bool, handover.Handover] | HttpResponse:
    """The statement, whether an editor asks, and the listing in the language asked for; or
    the refusal (no such list for this visitor, or the public's rate limit)."""
    statement, editor = _statement(request, slug)
    if not editor and (refused := _limited(request, limit)):
        return refused
    return statement, editor, _listing(request, statement)


def _list_answer[Answer: HttpResponseBase](response: Answer, *, editor: bool) -> Answer:
    # A full list of names is not for search engines, whoever may read it.
    response["X-Robots-Tag"] = "noindex"
    return private(response) if editor else response


def _deliveries_context(statement: Statement) -> dict[str, Any]:
    return {"statement": statement, "deliveries": list(public.deliveries(statement)),
            "max_megabytes": MAX_CHECK_BYTES // (1024 * 1024)}


def _public_statement(slug: str) -> Statement:
    statement = Statement.objects.public().filter(slug=slug).first()
    if statement is None:
        raise Http404("No such statement.")
    return statement


@cached_page(pages.page_of_statement)
@require_safe
def deliveries(request: HttpRequest, slug: str) -> HttpResponse:
    statement = _public_statement(slug)
    return render(request, "delivery/deliveries.html", _deliveries_context(statement))


def _check_page(request: HttpRequest, statement: Statement, status: int, **extra: Any
                ) -> HttpResponse:
    return private(render(request, "delivery/deliveries.html",
                          {**_deliveries_context(statement), **extra}, status=status))


@csrf_exempt
@require_POST
def check(request: HttpRequest, slug: str) -> HttpResponse:
    """Does this copy match a delivery? A file (hashed as it is read) or a pasted SHA-256.

    The deliveries page is cached whole, so it carries no per-visitor token: like the public
    forms, the post is checked for size and origin and counted against the network's limit.
    """
    statement = _public_statement(slug)
    if guards.too_big(request, MAX_CHECK_BYTES + 64 * 1024):
        return _check_page(request, statement, 413, error=_(
            "This file is larger than the lists delivered here. Please check its SHA-256 "
            "instead (see below)."))
    if not protection.is_same_origin(request):
        return _check_page(request, statement, 403,
                           error=_("Please use the form on this page."))
    if (refused := _limited_check(request)) is not None:
        return refused
    try:
        upload = request.FILES.get("file")
        text = request.POST.get("sha256", "")
    except (MultiPartParserError, ValueError):
        return _check_page(request, statement, 400,
                           error=_("What was sent could not be read. Please try again."))
    if upload is not None and upload.size is not None and upload.size > MAX_CHECK_BYTES:
        return _check_page(request, statement, 413, error=_(
            "This file is larger than the lists delivered here. Please check its SHA-256 "
            "instead (see below)."))
    if upload is not None and upload.size:
        sha256 = actions.hash_chunks(upload.name or "", upload.chunks()).sha256
    elif text.strip():
        parsed = actions.parse_hash(text[:300])
        if parsed is None:
            return _check_page(request, statement, 400, pasted=text[:300], error=_(
                "This is not a SHA-256: it is 64 characters, digits and the letters a to f."))
        sha256 = parsed
    else:
        return _check_page(request, statement, 400, error=_(
            "Please choose a file, or paste its SHA-256."))
    return _check_page(request, statement, 200, checked=sha256,
                       matches=public.matching(statement, sha256))


def _limited_check(request: HttpRequest) -> HttpResponse | None:
    if protection.within_limits([(CHECK_LIMIT, protection.ip_hash(request))]):
        return None
    return _message(request, 429, _("Please wait"),
                    _("Many copies were checked from your network in the last few minutes. "
                      "Please try again in ten minutes."))
