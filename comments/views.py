"""Public comment views: thin, they parse input and call ``comments.actions``.

The statement page itself (with the thread and the empty form) is the statements app's and is
the same for everyone. Everything that depends on the visitor — the form page with errors or
prefilled from the "remember me" cookie, the reply page, the author's own view of a held
comment — is a separate response here, marked private and never stored by a cache.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from comments import actions, public, rules, tokens
from comments.forms import CommentForm, EditForm
from comments.models import Comment, ModerationSettings, email_key, published_comment
from core import guards, proof_of_work, protection
from core.guards import Refusal
from core.handlers import public_form
from core.responses import private
from statements import lookup
from statements.models import Statement

REMEMBER_COOKIE = "undersigned_commenter"
REMEMBER_SECONDS = 60 * 60 * 24 * 365
FIELDS = ("name", "email", "website", "body")
# A comment of BODY_MAX characters, each up to four bytes in UTF-8, with the other fields.
MAX_BODY_BYTES = 64 * 1024


def _private(response: HttpResponse) -> HttpResponse:
    # The form pages read the "remember me" cookie.
    return private(response, vary_cookie=True)


_FORM_REFUSALS = {
    Refusal.TOO_FAST: gettext_lazy("That was quick. Please check your comment and send it "
                                   "again."),
    Refusal.EXPIRED: gettext_lazy("This form had expired. Please check your comment and send it "
                                  "again."),
    Refusal.NO_PROOF: gettext_lazy(
        "Right now comments need JavaScript: this discussion is under a flood of automated "
        "comments, and the check that stops them runs in your browser. Switch JavaScript on "
        "for this site, wait until the form says the check is done, and send your comment "
        "again (it is kept below). Without JavaScript, please come back later: the check is "
        "switched off when the flood is over."),
    Refusal.PROOF_FAILED: gettext_lazy(
        "The anti-flood check was not accepted: it works once and expires after a few "
        "minutes. Wait until the form says a new check is done, then send your comment again "
        "(it is kept below)."),
}


def _refused(request: HttpRequest, statement: Statement, refusal: Refusal) -> HttpResponse:
    """The page for a refusal before the form is read, in a commenter's words. A filled
    honeypot is answered "not sent": pretending success would need a comment to show."""
    if refusal == Refusal.TOO_BIG:
        return _message(request, gettext("Not sent"),
                        gettext("What you sent is far longer than a comment may be."),
                        status=refusal.status)
    if refusal == Refusal.CROSS_SITE:
        return _message(request, gettext("Not sent"),
                        gettext("This form can only be sent from this site."),
                        status=refusal.status)
    if refusal == Refusal.CLOSED:
        return _message(request, gettext("Comments are closed"),
                        gettext("This discussion is closed for new comments."),
                        status=refusal.status, link=statement.get_absolute_url(),
                        link_text=statement.shown.title,
                        link_language=statement.shown.language)
    return _message(request, gettext("Not sent"), gettext("Your comment could not be accepted."),
                    status=refusal.status)


def _message(request: HttpRequest, title: str, message: str, *, status: int = 200,
             action: str = "", button: str = "", fields: dict[str, str] | None = None,
             link: str = "", link_text: str = "", link_language: str = "") -> HttpResponse:
    context = {"title": title, "message": message, "action": action, "button": button,
               "fields": fields or {}, "link": link, "link_text": link_text,
               "link_language": link_language}
    return _private(render(request, "comments/message.html", context, status=status))


def _statement(statement_id: int) -> Statement:
    return lookup.public_statement(pk=statement_id)


def _remembered(request: HttpRequest) -> dict[str, str]:
    return tokens.read_remember_value(request.COOKIES.get(REMEMBER_COOKIE, ""))


def _form_page(request: HttpRequest, statement: Statement, *, values: dict[str, Any],
               errors: dict[str, list[str]] | None = None, parent: Comment | None = None,
               status: int = 200, notice: str = "") -> HttpResponse:
    errors = errors or {}
    # The reply page and a page with errors put the cursor where the visitor has to act.
    focus = next((f for f in FIELDS if f in errors), "body")
    context = {
        "statement": statement,
        "parent": parent,
        "parent_html": public.single_comment_html(statement, parent) if parent else "",
        "f": public.form_context(statement),
        "values": values,
        "errors": errors,
        "non_field_errors": errors.get("__all__", []) + ([notice] if notice else []),
        "focus": focus,
        "open": True,
    }
    return _private(render(request, "comments/form_page.html", context, status=status))


def _limits(key: str, ip_hash: str, statement_id: int) -> list[tuple[protection.Limit, str]]:
    # Narrowest first: what a visitor's own limits refuse is not counted against the
    # statement's and the site's (core.protection.count_limits), so one flood cannot close
    # the discussion for everyone.
    site = ModerationSettings.current()
    return [
        (protection.Limit("comment-ip-minute", site.per_ip_per_minute, 60), ip_hash),
        (protection.Limit("comment-ip-hour", site.per_ip_per_hour, 3600), ip_hash),
        (protection.Limit("comment-address-minute", site.per_address_per_minute, 60), key),
        (protection.Limit("comment-address-hour", site.per_address_per_hour, 3600), key),
        (protection.Limit("comment-statement-minute", site.per_statement_per_minute, 60),
         str(statement_id)),
        (protection.Limit("comment-site-minute", site.site_per_minute, 60), "site"),
    ]


def _cookie_path() -> str:
    """The "remember me" cookie only travels to this language's comment pages: a statement
    page never receives it, so it can neither change that page nor keep it out of the cache."""
    return reverse("comments:form", args=[1]).rsplit("/", 2)[0] + "/"


@public_form  # its POSTs need no session, user or CSRF cookie (GETs read the remember cookie)
@csrf_exempt  # cross-site posts are refused by is_same_origin; no per-visitor token in the page
@require_http_methods(["GET", "HEAD", "POST"])
def form(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = _statement(statement_id)
    if request.method == "POST":
        return _post(request, statement)
    if not rules.comments_open(statement):
        return _message(request, gettext("Comments are closed"),
                        gettext("This discussion is closed for new comments."),
                        link=statement.get_absolute_url(), link_text=statement.shown.title,
                        link_language=statement.shown.language)
    parent = None
    replyto = request.GET.get("replyto")
    if replyto is not None:
        try:
            parent = published_comment(int(replyto), statement)
        except (ValueError, OverflowError):
            raise Http404 from None
        if parent is None:
            raise Http404
    return _form_page(request, statement, values=_remembered(request), parent=parent)


def _post(request: HttpRequest, statement: Statement) -> HttpResponse:
    """The comment form's POST, through the public forms' guard pipeline (core.guards)."""
    refusal = guards.check_request(request, max_bytes=MAX_BODY_BYTES,
                                   is_open=rules.comments_open(statement))
    if refusal is not None:
        return _refused(request, statement, refusal)
    data = request.POST
    values: dict[str, Any] = {f: data.get(f, "")[:10_000] for f in FIELDS}
    values.update(notify=bool(data.get("notify")), remember=bool(data.get("remember")))
    form = CommentForm(data, statement=statement)
    valid = form.is_valid()
    parent = form.parent_comment
    errors = {k: [str(e) for e in v] for k, v in form.errors.items()}
    refusal = guards.check_form(request, purpose=public.FORM_PURPOSE, object_id=statement.pk,
                                needs_proof=proof_of_work.pow_required(statement))
    if refusal is not None:
        return _form_page(request, statement, values=values, parent=parent, status=400,
                          errors=errors, notice=str(_FORM_REFUSALS[refusal]))
    if not valid:
        return _form_page(request, statement, values=values, parent=parent, status=400,
                          errors=errors)
    cleaned = form.cleaned_data
    ip = protection.ip_hash(request)
    refusal, _counts = guards.check_limits(_limits(email_key(cleaned["email"]), ip, statement.pk),
                                           visitor_scopes=4)
    if refusal is not None:
        return _form_page(request, statement, values=values, parent=parent, status=429,
                          notice=gettext("Too many comments are arriving just now. Please wait "
                                         "a minute and send it again."))
    try:
        comment = actions.do_post_comment(
            statement,
            actions.NewComment(name=cleaned["name"], email=cleaned["email"],
                               website=cleaned["website"], body=cleaned["body"],
                               parent_id=cleaned["parent"], notify=cleaned["notify"]),
            ip_hash=ip, language=get_language() or "")
    except actions.CommentsClosed:
        return _message(request, gettext("Comments are closed"),
                        gettext("This discussion is closed for new comments."), status=403)
    except Comment.DoesNotExist:  # the parent left the page between validation and now
        return _form_page(request, statement, values=values, status=400,
                          errors={"parent": [gettext("The comment you are replying to is not "
                                                     "available.")]})
    response = HttpResponseRedirect(_yours_url(comment))
    response.status_code = 303  # the POST is done; the browser GETs the author's page
    if cleaned["remember"]:
        response.set_cookie(REMEMBER_COOKIE,
                            tokens.remember_value(cleaned["name"], cleaned["email"],
                                                  cleaned["website"]),
                            max_age=REMEMBER_SECONDS, httponly=True, samesite="Lax",
                            path=_cookie_path(),
                            secure=settings.BASE_URL.startswith("https://"))
    elif REMEMBER_COOKIE in request.COOKIES:
        response.delete_cookie(REMEMBER_COOKIE, path=_cookie_path(), samesite="Lax")
    return _private(response)


def _yours_url(comment: Comment) -> str:
    return (reverse("comments:yours", args=[comment.pk])
            + "?t=" + tokens.author_token(comment.pk) + f"#comment-{comment.pk}")


def _own_comment(request: HttpRequest, comment_id: int, token: str) -> Comment:
    try:
        tokens.check_author_token(token, comment_id)
    except tokens.BadToken:
        raise Http404 from None
    comment = get_object_or_404(Comment.objects.select_related("statement"), pk=comment_id)
    if comment.status == Comment.Status.REMOVED:
        raise Http404
    return comment


@require_safe
def yours(request: HttpRequest, comment_id: int) -> HttpResponse:
    """The author's own view, through the short-lived token: the only place a held comment
    can be seen outside the admin."""
    token = request.GET.get("t", "")
    comment = _own_comment(request, comment_id, token)
    editable = actions.can_edit(comment)
    edit_until = comment.created_at + timedelta(seconds=tokens.EDIT_WINDOW_SECONDS)
    context = {
        "comment": comment,
        "statement": comment.statement,
        "comment_html": public.single_comment_html(comment.statement, comment),
        "held": comment.status != Comment.Status.VISIBLE,
        "token": token,
        "editable": editable,
        "edit_until": edit_until,
        "permalink": reverse("comments:permalink", args=[comment.pk]),
        "remove_url": reverse("comments:remove", args=[tokens.remove_token(comment.pk)]),
    }
    return _private(render(request, "comments/yours.html", context))


@csrf_exempt
@require_http_methods(["POST"])
def edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    if not protection.is_same_origin(request):
        return _message(request, gettext("Not sent"),
                        gettext("This form can only be sent from this site."), status=403)
    comment = _own_comment(request, comment_id, request.POST.get("t", ""))
    form = EditForm(request.POST)
    if not form.is_valid():
        return _message(request, gettext("Not saved"), " ".join(
            str(e) for errs in form.errors.values() for e in errs), status=400)
    try:
        actions.do_author_edit(comment, form.cleaned_data["body"])
    except actions.EditWindowClosed:
        return _message(request, gettext("Not saved"),
                        gettext("Comments can only be changed in the first 15 minutes."),
                        status=403)
    response = HttpResponseRedirect(_yours_url(comment))
    response.status_code = 303
    return _private(response)


@csrf_exempt
@require_http_methods(["POST"])
def delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    if not protection.is_same_origin(request):
        return _message(request, gettext("Not sent"),
                        gettext("This form can only be sent from this site."), status=403)
    comment = _own_comment(request, comment_id, request.POST.get("t", ""))
    statement = comment.statement
    try:
        actions.do_author_delete(comment)
    except actions.EditWindowClosed:
        return _message(request, gettext("Not deleted"),
                        gettext("Comments can only be deleted in the first 15 minutes."),
                        status=403)
    return _message(request, gettext("Comment deleted"), gettext("Your comment was deleted."),
                    link=statement.get_absolute_url(), link_text=statement.shown.title,
                    link_language=statement.shown.language)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def remove(request: HttpRequest, token: str) -> HttpResponse:
    """From any mail about a comment, at any time. Mail scanners open links: GET shows a
    button, only the POST removes."""
    try:
        comment_id = tokens.read_remove_token(token)
    except tokens.BadToken:
        return _message(request, gettext("Link not valid"),
                        gettext("This link is not valid."), status=404)

    def gone() -> HttpResponse:
        return _message(request, gettext("Comment removed"),
                        gettext("This comment has already been removed."), status=410)

    comment = Comment.objects.select_related("statement").filter(pk=comment_id).first()
    if comment is None or comment.removal in (Comment.Removal.AUTHOR, Comment.Removal.ERASED):
        return gone()
    if request.method != "POST":
        return _message(request, gettext("Remove your comment"),
                        gettext("Remove your comment from the discussion? Replies to it stay, "
                                "under a note that the comment was removed."),
                        action=request.path, button=gettext("Remove my comment"))
    if not protection.is_same_origin(request):
        return _message(request, gettext("Not sent"),
                        gettext("This form can only be sent from this site."), status=403)
    try:
        actions.do_author_remove(comment.pk)
    except actions.AlreadyRemoved:
        return gone()
    statement = comment.statement
    return _message(request, gettext("Comment removed"), gettext("Your comment was removed."),
                    link=statement.get_absolute_url(), link_text=statement.shown.title,
                    link_language=statement.shown.language)


@require_safe
def permalink(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("statement"), pk=comment_id,
                                listed=True)
    if not comment.statement.is_public:
        raise Http404
    page = public.page_of(comment)
    url = comment.statement.get_absolute_url()
    if page > 1:
        url += f"?cpage={page}"
    return HttpResponseRedirect(f"{url}#comment-{comment.pk}")


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Mail scanners open links: GET shows a button, only the POST confirms."""
    try:
        key = tokens.read_confirm_token(token)
    except tokens.BadToken:
        return _message(request, gettext("Link expired"),
                        gettext("This confirmation link is not valid any more."), status=404)
    if request.method != "POST":
        return _message(request, gettext("Email me replies"),
                        gettext("Confirm that you want an email when someone replies to your "
                                "comments."), action=request.path,
                        button=gettext("Confirm"))
    if not protection.is_same_origin(request):
        return _message(request, gettext("Not sent"),
                        gettext("This form can only be sent from this site."), status=403)
    actions.do_confirm_notifications(key)
    return _message(request, gettext("Confirmed"),
                    gettext("You will get an email when someone replies to your comments. "
                            "Every such email has a link to stop them."))


@csrf_exempt  # RFC 8058 one-click: the mail provider POSTs from elsewhere
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        key = tokens.read_unsubscribe_token(token)
    except tokens.BadToken:
        return _message(request, gettext("Link not valid"),
                        gettext("This unsubscribe link is not valid."), status=404)
    if request.method != "POST":
        return _message(request, gettext("Stop reply emails"),
                        gettext("Stop all emails about replies to your comments?"),
                        action=request.path, button=gettext("Unsubscribe"))
    actions.do_unsubscribe(key)
    return _message(request, gettext("Unsubscribed"),
                    gettext("You will not get any more emails about replies."))
