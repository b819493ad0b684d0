"""State changes of comments: one transaction each, an audit entry for every moderator action,
mail queued as task rows in the same transaction, caches told after the commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation

from comments import rules, signals, tokens
from comments.models import (
    Ban,
    Comment,
    KnownAddress,
    ModerationSettings,
    email_key,
    published_comment,
)
from core import audit, inserts
from core.addresses import mailbox
from core.mail import absolute, queue_mail
from core.rendering import render_comment
from signatures.models import Signature
from statements.actions import signature_moderators
from statements.models import Statement
from statements.pages import statement_changed

CONFIRM_RESEND_SECONDS = 60 * 60 * 24


class CommentsClosed(Exception):
    pass


@dataclass(frozen=True)
class NewComment:
    name: str
    email: str
    website: str
    body: str
    parent_id: int | None = None
    notify: bool = False


def _link_language(comment: Comment) -> str:
    return comment.language or comment.statement.language or "en"


def permalink(comment: Comment) -> str:
    with translation.override(_link_language(comment)):
        return absolute(reverse("comments:permalink", args=[comment.pk]))


def _unsubscribe_headers(url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _unsubscribe_url(key: str, language: str) -> str:
    with translation.override(language):
        return absolute(reverse("comments:unsubscribe", args=[tokens.unsubscribe_token(key)]))


# --- the thread's shape ----------------------------------------------------------------------

def _refresh_listed(comment: Comment) -> None:
    """A comment is listed when visible, or when removed but still holding listed replies (it is
    then drawn as a stub so the thread survives). Walks up only while something changes."""
    node: Comment | None = comment
    while node is not None:
        listed = node.status == Comment.Status.VISIBLE or (
            Comment.objects.filter(parent_id=node.pk, listed=True).exists())
        if listed == node.listed:
            return
        Comment.objects.filter(pk=node.pk).update(listed=listed)
        node.listed = listed
        node = Comment.objects.filter(pk=node.parent_id).first() if node.parent_id else None


def _stub_or_delete(comment: Comment, removal: str, **also_erase: str) -> None:
    """Remove a comment and what its author wrote: with replies, a "comment removed" stub
    keeps the thread; without, the row goes."""
    if Comment.objects.filter(parent_id=comment.pk).exists():
        Comment.objects.filter(pk=comment.pk).update(
            status=Comment.Status.REMOVED, removal=removal, name="—", email="", website="",
            body="", body_html="", notify=False, **also_erase)
        comment.status = Comment.Status.REMOVED
        _refresh_listed(comment)
    else:
        parent = comment.parent
        comment.delete()
        if parent is not None:
            _refresh_listed(parent)


def _attach_point(parent: Comment | None, statement: Statement) -> Comment | None:
    """Replies deeper than the statement allows join the deepest allowed level instead."""
    max_depth = max(1, statement.comment_reply_depth)
    while parent is not None and parent.depth >= max_depth:
        parent = parent.parent
    return parent


# --- posting, editing, deleting (the public) --------------------------------------------------

def do_post_comment(statement: Statement, data: NewComment, *, ip_hash: str,
                    language: str = "") -> Comment:
    """Store a new comment where the rules send it. Raises CommentsClosed."""
    if not rules.comments_open(statement):
        raise CommentsClosed
    body_html = render_comment(data.body)
    key = email_key(data.email)
    verdict = rules.judge(statement, name=data.name, email=data.email, website=data.website,
                          body=data.body, body_html=body_html, key=key, ip_hash=ip_hash)
    parent = None
    if data.parent_id is not None:
        parent = published_comment(data.parent_id, statement)
        if parent is None:
            raise Comment.DoesNotExist
        parent = _attach_point(parent, statement)
    with transaction.atomic():
        comment = Comment(
            statement=statement, parent=parent,
            root_id=(parent.root_id or parent.pk) if parent else None,
            depth=parent.depth + 1 if parent else 1,
            status=verdict.status, reason=verdict.reason,
            listed=verdict.status == Comment.Status.VISIBLE,
            name=data.name, email=mailbox(data.email), email_key=key, website=data.website,
            body=data.body, body_html=body_html, ip_hash=ip_hash, language=language,
            notify=data.notify,
        )
        inserts.insert(comment)
        if comment.status == Comment.Status.VISIBLE:
            _went_public(comment, parent)
    return comment


def _went_public(comment: Comment, parent: Comment | None = None) -> None:
    """Inside the transaction that made a comment visible: mails that may now be sent."""
    statement_changed(comment.statement_id)
    signals.comment_published.send(sender=Comment, comment=comment)
    if comment.notify:
        _ask_to_confirm_notifications(comment)
    parent = parent or comment.parent
    if parent is not None:
        _notify_parent_author(comment, parent)


def _ask_to_confirm_notifications(comment: Comment) -> None:
    """Double opt-in: the first time an address asks for replies, it confirms by email."""
    known, _ = KnownAddress.objects.get_or_create(email_key=comment.email_key)
    if known.confirmed_at or not comment.email:
        return
    now = timezone.now()
    if known.confirm_sent_at and (now - known.confirm_sent_at).total_seconds() < CONFIRM_RESEND_SECONDS:
        return
    KnownAddress.objects.filter(pk=known.pk).update(confirm_sent_at=now)
    language = _link_language(comment)
    with translation.override(language):
        confirm_url = absolute(reverse("comments:confirm",
                                       args=[tokens.confirm_token(comment.email_key)]))
    queue_mail(comment.email, "comments/mail/confirm_notifications.txt",
               {"comment": comment, "statement": comment.statement, "confirm_url": confirm_url,
                "permalink": permalink(comment), "remove_url": remove_url(comment, language)},
               language=language, record=comment)


def _notify_parent_author(reply: Comment, replied_to: Comment) -> None:
    parent = Comment.objects.filter(pk=replied_to.pk).only(
        "id", "status", "notify", "email", "email_key", "language", "statement_id", "name").first()
    if parent is None or not parent.notify or not parent.email:
        return
    if parent.status != Comment.Status.VISIBLE or parent.email_key == reply.email_key:
        return
    if not KnownAddress.objects.filter(email_key=parent.email_key,
                                       confirmed_at__isnull=False).exists():
        return
    language = _link_language(parent)
    unsubscribe = _unsubscribe_url(parent.email_key, language)
    queue_mail(parent.email, "comments/mail/reply.txt",
               {"reply": reply, "parent": parent, "statement": reply.statement,
                "permalink": permalink(reply), "unsubscribe_url": unsubscribe,
                "remove_url": remove_url(parent, language)},
               language=language, headers=_unsubscribe_headers(unsubscribe), record=parent)


def can_edit(comment: Comment, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (comment.status in (Comment.Status.VISIBLE, Comment.Status.HELD, Comment.Status.SPAM)
            and (now - comment.created_at).total_seconds() < tokens.EDIT_WINDOW_SECONDS)


class EditWindowClosed(Exception):
    pass


def do_author_edit(comment: Comment, body: str) -> Comment:
    """The author changes their text within the edit window; the word and link rules apply
    again (a visible comment edited into spam leaves the page), the first-comment rule not."""
    if not can_edit(comment):
        raise EditWindowClosed
    body_html = render_comment(body)
    verdict = rules.judge(comment.statement, name=comment.name, email=comment.email,
                          website=comment.website, body=body, body_html=body_html,
                          key=comment.email_key, ip_hash=comment.ip_hash, check_policy=False)
    with transaction.atomic():
        was_visible = comment.status == Comment.Status.VISIBLE
        comment.body, comment.body_html = body, body_html
        comment.edited_at = timezone.now()
        if verdict.status != Comment.Status.VISIBLE:
            comment.status, comment.reason = verdict.status, verdict.reason
        comment.save(update_fields=["body", "body_html", "edited_at", "status", "reason"])
        if was_visible:
            _refresh_listed(comment)
            statement_changed(comment.statement_id)
    return comment


def do_author_delete(comment: Comment) -> None:
    """Within the edit window. With replies, a "comment removed" stub keeps the thread."""
    if not can_edit(comment):
        raise EditWindowClosed
    with transaction.atomic():
        was_listed = comment.listed
        _stub_or_delete(comment, Comment.Removal.AUTHOR)
        if was_listed:
            statement_changed(comment.statement_id)


class AlreadyRemoved(Exception):
    pass


def do_author_remove(comment_id: int) -> None:
    """The author removes their comment at any time — from the link in a mail about it or from
    the data-rights page — whatever its status. With replies, a "comment removed" stub keeps
    the thread. Raises AlreadyRemoved when the author's text is already gone."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
        if comment is None or comment.removal in (Comment.Removal.AUTHOR,
                                                  Comment.Removal.ERASED):
            raise AlreadyRemoved
        was_listed, statement_id = comment.listed, comment.statement_id
        _stub_or_delete(comment, Comment.Removal.AUTHOR)
        if was_listed:
            statement_changed(statement_id)


def remove_url(comment: Comment, language: str) -> str:
    with translation.override(language):
        return absolute(reverse("comments:remove", args=[tokens.remove_token(comment.pk)]))


def remove_for_address(email: str, comment_id: int) -> bool:
    """The data-rights page: remove one comment written from exactly this mailbox."""
    if not Comment.objects.of_mailbox(email).filter(pk=comment_id).exists():
        return False
    try:
        do_author_remove(comment_id)
    except AlreadyRemoved:
        return False
    return True


# --- notifications ----------------------------------------------------------------------------

def do_confirm_notifications(key: str) -> int:
    """The address confirmed itself: its reply notifications become active, and it counts as
    previously approved for the "first" policy. Returns the number of comments it wrote."""
    with transaction.atomic():
        known, _ = KnownAddress.objects.get_or_create(email_key=key)
        if not known.confirmed_at:
            known.confirmed_at = timezone.now()
            known.save(update_fields=["confirmed_at"])
        return Comment.objects.filter(email_key=key).count()


def do_unsubscribe(key: str) -> int:
    """One click: no more reply mails for any comment of this address."""
    with transaction.atomic():
        return Comment.objects.filter(email_key=key, notify=True).update(notify=False)


# --- moderation (the moderators; every action audited) ----------------------------------------

def _moderate(actor: Any, comments: Iterable[Comment], status: str, action: str,
              removal: str = "") -> int:
    changed = 0
    now = timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        for comment in comments:
            comment = Comment.objects.select_for_update().select_related("statement").get(
                pk=comment.pk)
            if comment.status == status and comment.removal == removal:
                continue
            previous, was_listed = comment.status, comment.listed
            comment.status, comment.removal = status, removal
            comment.moderated_at, comment.moderated_by = now, user
            comment.save(update_fields=["status", "removal", "moderated_at", "moderated_by"])
            _refresh_listed(comment)
            audit.record(actor, action, comment, previous=previous,
                         statement=comment.statement_id)
            if status == Comment.Status.VISIBLE:
                KnownAddress.objects.update_or_create(email_key=comment.email_key,
                                                      defaults={"approved_at": now})
                _went_public(comment)
            elif was_listed:
                statement_changed(comment.statement_id)
            changed += 1
    return changed


def do_approve(comments: Iterable[Comment], *, actor: Any) -> int:
    return _moderate(actor, comments, Comment.Status.VISIBLE, "comment.approve")


def do_mark_spam(comments: Iterable[Comment], *, actor: Any) -> int:
    return _moderate(actor, comments, Comment.Status.SPAM, "comment.spam")


def do_hold(comments: Iterable[Comment], *, actor: Any) -> int:
    return _moderate(actor, comments, Comment.Status.HELD, "comment.hold")


def do_remove(comments: Iterable[Comment], *, actor: Any) -> int:
    return _moderate(actor, comments, Comment.Status.REMOVED, "comment.remove",
                     Comment.Removal.MODERATOR)


def do_ban(comments: Iterable[Comment], *, actor: Any, kind: str, days: int,
           note: str = "") -> list[Ban]:
    """Ban the addresses or IP hashes of these comments for some days: their new comments go
    to spam. An IP hash changes every day, so such a ban mostly helps during a flood."""
    until = timezone.now() + timedelta(days=days)
    user = actor if getattr(actor, "is_authenticated", False) else None
    bans = []
    with transaction.atomic():
        values = set()
        for comment in comments:
            value = comment.email_key if kind == Ban.Kind.ADDRESS else comment.ip_hash
            if value:
                values.add(value)
        for value in sorted(values):
            ban = Ban.objects.create(kind=kind, value=value, until=until, created_by=user,
                                     note=note[:200])
            audit.record(actor, f"comment.ban.{kind}", ban, days=days)
            bans.append(ban)
    return bans


def do_lift_ban(ban: Ban, *, actor: Any) -> None:
    with transaction.atomic():
        Ban.objects.filter(pk=ban.pk).update(until=timezone.now())
        rules.bans_changed()
        audit.record(actor, "comment.ban.lift", ban)


def do_lockdown(statement: Statement, *, actor: Any, mode: str, until: datetime) -> None:
    """Hold every new comment, or close comments, until a given time."""
    if mode not in ("hold", "close"):
        raise ValueError(mode)
    with transaction.atomic():
        Statement.objects.filter(pk=statement.pk).update(comments_lock_mode=mode,
                                                         comments_locked_until=until)
        statement_changed(statement.pk, row=True)
        statement.comments_lock_mode, statement.comments_locked_until = mode, until
        audit.record(actor, "comment.lockdown", statement, mode=mode, until=until.isoformat())


def do_lift_lockdown(statement: Statement, *, actor: Any) -> None:
    with transaction.atomic():
        Statement.objects.filter(pk=statement.pk).update(comments_lock_mode="",
                                                         comments_locked_until=None)
        statement_changed(statement.pk, row=True)
        statement.comments_lock_mode, statement.comments_locked_until = "", None
        audit.record(actor, "comment.lockdown.lift", statement)


# --- the moderators' digest -------------------------------------------------------------------

def moderators() -> list[Any]:
    users = get_user_model().objects.with_perm("comments.moderate", is_active=True,
                                                include_superusers=True)
    return [u for u in users if u.email]


@dataclass(frozen=True)
class HeldOrganisations:
    """The organisation sign-ons of one statement waiting for review, for the digest: named
    only when their signer asked for the name to be shown (the others are counted)."""

    statement: Statement
    total: int
    names: list[str]
    queue_url: str


# Named organisations per statement in the digest; the queue has them all.
DIGEST_NAMES = 10


def held_organisations() -> list[HeldOrganisations]:
    """Per statement, the organisation sign-ons held for review (the signatures' status index;
    a handful of queries whatever their number)."""
    held = Signature.objects.held().organisations()
    counts = dict(held.values_list("statement_id").annotate(total=Count("id")).order_by())
    if not counts:
        return []
    queue = reverse("admin:signatures_signature_changelist")
    found = []
    for statement in Statement.objects.filter(pk__in=counts).order_by("pk"):
        names = list(held.filter(statement=statement, show_name=True)
                     .order_by("confirmed_at", "pk")
                     .values_list("organisation_name", flat=True)[:DIGEST_NAMES])
        found.append(HeldOrganisations(
            statement=statement, total=counts[statement.pk], names=names,
            queue_url=absolute(f"{queue}?statement={statement.pk}&status=held"
                               "&kind__exact=organisation")))
    return found


def send_moderation_digest(now: datetime | None = None) -> int:
    """One mail per moderator listing the held comments and the organisation sign-ons held for
    review, sent only when new ones arrived since the last digest. Each moderator is told of
    what they may moderate. Returns the number of mails queued. Safe to call as often as
    wanted."""
    now = now or timezone.now()
    with transaction.atomic():
        site = ModerationSettings.objects.select_for_update().get_or_create(pk=1)[0]
        held = Comment.objects.held()
        new = held.filter(created_at__gt=site.last_digest_at) if site.last_digest_at else held
        # A sign-on becomes held when confirmed or when its signer's correction sends it back.
        held_signatures = Signature.objects.held().organisations()
        new_signatures = (held_signatures.filter(updated_at__gt=site.last_digest_at)
                          if site.last_digest_at else held_signatures)
        new_comments, new_organisations = new.count(), new_signatures.count()
        if not (new_comments or new_organisations):
            return 0
        comments = list(held.select_related("statement").order_by("created_at")[:100])
        total = held.count()
        organisations = held_organisations()
        queue_url = absolute(reverse("admin:comments_comment_changelist") + "?status__exact=held")
        comment_moderators = {user.pk: user for user in moderators()}
        sign_on_moderators = {user.pk: user for user in signature_moderators()}
        sent = 0
        for pk, user in {**comment_moderators, **sign_on_moderators}.items():
            shows_comments = pk in comment_moderators and bool(total)
            shows_organisations = pk in sign_on_moderators and bool(organisations)
            if not (shows_comments or shows_organisations):
                continue
            queue_mail(user.email, "comments/mail/digest.txt",
                       {"comments": comments if shows_comments else [],
                        "total": total if shows_comments else 0, "new": new_comments,
                        "queue_url": queue_url,
                        "organisations": organisations if shows_organisations else [],
                        "organisations_total": sum(o.total for o in organisations)
                        if shows_organisations else 0,
                        "new_organisations": new_organisations},
                       language="en", data_rights=False)
            sent += 1
        ModerationSettings.objects.filter(pk=1).update(last_digest_at=now)
        ModerationSettings.changed()
    return sent


# --- privacy: what we hold about an address, and forgetting it --------------------------------

def export_for_address(email: str) -> list[dict[str, Any]]:
    """Everything stored about the comments of an address, for its owner (JSON-ready)."""
    key = email_key(email)
    rows = []
    for c in (Comment.objects.of_mailbox(email).select_related("statement")
              .prefetch_related("statement__translations").order_by("id")):
        rows.append({
            "type": "comment",
            "id": c.pk,
            "statement": c.statement.shown.title,
            "statement_language": c.statement.shown.language,
            "statement_url": absolute(c.statement.get_absolute_url()),
            "in_reply_to": c.parent_id,
            "status": c.status,
            "name": c.name,
            "email": c.email,
            "website": c.website,
            "text": c.body,
            "posted": c.created_at.isoformat(),
            "edited": c.edited_at.isoformat() if c.edited_at else None,
            "email_me_replies": c.notify,
            "ip_hash_stored": bool(c.ip_hash),
        })
    known = KnownAddress.objects.filter(email_key=key).first()
    if known:
        rows.append({"type": "address",
                     "confirmed": known.confirmed_at.isoformat() if known.confirmed_at else None,
                     "approved": known.approved_at.isoformat() if known.approved_at else None})
    return rows


def erase_address(email: str, *, keep_public: bool = True) -> int:
    """Forget an address. Published comments keep their name and text (what their author chose
    to show) unless ``keep_public`` is False; everything never shown is deleted; the address,
    its hash and the IP hashes go (an address ban keeps its hash). Returns the number of
    comments touched."""
    key = email_key(email)
    touched = 0
    statements = set()
    with transaction.atomic():
        for c in Comment.objects.of_mailbox(email).order_by("-depth"):
            touched += 1
            statements.add(c.statement_id)
            if c.status == Comment.Status.VISIBLE and keep_public:
                Comment.objects.filter(pk=c.pk).update(email="", email_key="", ip_hash="",
                                                       notify=False)
                continue
            _stub_or_delete(c, Comment.Removal.ERASED, email_key="", ip_hash="")
        KnownAddress.objects.filter(email_key=key).delete()
        # An address ban stays: it holds only the keyed hash (no address, nothing public), and
        # "forget me" must not be a way to lift it.
        for statement_id in statements:
            statement_changed(statement_id)
    return touched


def erase_old_ip_hashes(before: datetime) -> int:
    """Retention: IP hashes are only for flood control; the scheduler erases old ones."""
    return Comment.objects.filter(created_at__lt=before).exclude(ip_hash="").update(ip_hash="")


def erase_emails_of_archived(before: datetime) -> int:
    """Retention: addresses of commenters under statements archived before ``before``."""
    return (Comment.objects.filter(statement__status=Statement.Status.ARCHIVED,
                                   statement__updated_at__lt=before)
            .filter(~Q(email="") | ~Q(email_key=""))
            .update(email="", email_key="", notify=False))
