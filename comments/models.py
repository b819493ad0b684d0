"""Comments under a statement, threaded; the addresses we know; bans; the site's moderation
settings (word lists, link limit, flood limits)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.addresses import mailbox, wide
from core.generations import KeptCopy
from statements.models import Statement


def email_key(email: str) -> str:
    """A keyed hash of the normalised address: lets us recognise an address again (approved,
    banned, subscribed) without keeping a list of addresses, and cannot be reversed without the
    site's secret key."""
    key = hmac.new(settings.SECRET_KEY.encode(), b"comments:email-key", hashlib.sha256).digest()
    return hmac.new(key, wide(email).encode(), hashlib.sha256).hexdigest()[:40]


def new_avatar_seed() -> int:
    return secrets.randbelow(2**31)


class CommentQuerySet(models.QuerySet):
    def visible(self) -> CommentQuerySet:
        return self.filter(status=Comment.Status.VISIBLE)

    def held(self) -> CommentQuerySet:
        return self.filter(status=Comment.Status.HELD)

    def spam(self) -> CommentQuerySet:
        return self.filter(status=Comment.Status.SPAM)

    def listed(self) -> CommentQuerySet:
        """What a thread shows: visible comments and the stubs of removed ones with replies."""
        return self.filter(listed=True)

    def roots(self) -> CommentQuerySet:
        return self.filter(parent__isnull=True)

    def for_address(self, email: str) -> CommentQuerySet:
        """Comments whose address has the same key: the wide rule (NFKC, casefold) that bans
        and approvals need, so that a look-alike spelling does not dodge them."""
        return self.filter(email_key=email_key(email))

    def of_mailbox(self, email: str) -> CommentQuerySet:
        """Comments written from exactly this mailbox, for what only its owner may see or
        erase: found by key (indexed), kept where the stored address is the same mailbox
        (``core.addresses.mailbox``; addresses are stored in that form). The key's wide rule
        alone would join mailboxes that differ, such as ``ß`` and ``ss``."""
        address = mailbox(email or "")
        if not address:
            return self.none()
        return self.for_address(address).filter(email=address)


class Comment(models.Model):
    class Status(models.TextChoices):
        HELD = "held", _("Awaiting moderation")
        VISIBLE = "visible", _("Visible")
        REMOVED = "removed", _("Removed")
        SPAM = "spam", _("Spam")

    class Removal(models.TextChoices):
        NONE = "", _("—")
        MODERATOR = "moderator", _("Removed by a moderator")
        AUTHOR = "author", _("Deleted by its author")
        ERASED = "erased", _("Erased at the author's request")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="comments",
                                  verbose_name=_("statement"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="replies", verbose_name=_("in reply to"))
    # The top-level comment of the thread (null for top-level ones): a page of threads is then
    # two indexed queries, whatever the depth.
    root = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    depth = models.PositiveSmallIntegerField(default=1, editable=False)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.HELD, db_index=True)
    removal = models.CharField(_("removal"), max_length=10, choices=Removal.choices, blank=True,
                               default="")
    # Shown in a thread: visible, or removed but with listed replies (then drawn as a stub).
    listed = models.BooleanField(default=False, editable=False)
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    email_key = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    website = models.URLField(_("website"), max_length=200, blank=True)
    body = models.TextField(_("comment"), max_length=5000)
    body_html = models.TextField(editable=False, blank=True)
    avatar_seed = models.PositiveIntegerField(default=new_avatar_seed, editable=False)
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)
    language = models.CharField(max_length=12, blank=True, editable=False)
    # Why the comment was held or marked spam when it came in (for the moderators).
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # "Email me replies": requested on the form; active once the address is confirmed.
    notify = models.BooleanField(_("wants replies by email"), default=False)
    created_at = models.DateTimeField(_("posted"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    objects = CommentQuerySet.as_manager()
    # The audit log and the admin's history name it "comment #id", never the author or the
    # text (core/audit.py): they outlive a removal or an erasure.
    audit_label = "comment"

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        permissions = [("moderate", _("Can moderate comments"))]
        indexes = [
            models.Index(fields=["statement", "listed", "parent", "created_at", "id"],
                         name="comment_thread_page"),
            models.Index(fields=["root", "listed"], name="comment_thread_members"),
        ]

    def __str__(self) -> str:
        text = " ".join(self.body.split())
        return f"{self.name}: {text[:60]}" if text else f"{self.name} (#{self.pk})"

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.VISIBLE

    @property
    def thread_root_id(self) -> int:
        return self.root_id or self.pk


def published_comment(comment_id: int, statement: Statement, *,
                      fields: tuple[str, ...] = ()) -> Comment | None:
    """The visible comment ``comment_id`` of ``statement`` (a reply's parent), or None.

    Found by its id alone, then checked here: with the statement in the WHERE as well,
    PostgreSQL without fresh statistics on a table that grew fast (a viral day; autovacuum off)
    rates the thread index (statement, listed, parent, created_at, id) as cheap as the primary
    key and may take it, reading the statement's whole discussion to find one row: every reply
    then cost more as the discussion grew (tests/comments/test_post_cost.py)."""
    comments = Comment.objects.filter(pk=comment_id)
    comment = (comments.only(*fields) if fields else comments).first()
    if comment is None or comment.statement_id != statement.pk or not comment.is_public:
        return None
    return comment


class KnownAddress(models.Model):
    """An address that confirmed itself by email or had a comment approved: its next comments
    skip the queue under the "first" policy. Only the keyed hash is kept."""

    email_key = models.CharField(max_length=40, unique=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    confirm_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("known address")
        verbose_name_plural = _("known addresses")

    def __str__(self) -> str:
        return self.email_key[:12]

    @property
    def trusted(self) -> bool:
        return bool(self.confirmed_at or self.approved_at)


class BanQuerySet(models.QuerySet):
    def active(self) -> BanQuerySet:
        return self.filter(until__gt=timezone.now())


class Ban(models.Model):
    class Kind(models.TextChoices):
        ADDRESS = "address", _("Email address")
        IP_HASH = "ip", _("IP hash")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    value = models.CharField(max_length=64, db_index=True, editable=False)
    until = models.DateTimeField(_("until"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ban")
        verbose_name_plural = _("bans")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value[:12]}… → {self.until:%Y-%m-%d %H:%M}"


class ModerationSettings(models.Model):
    """One row: the site's word lists, link limit and flood limits, editable in the admin."""

    hold_words = models.TextField(
        _("words that hold a comment"), blank=True,
        help_text=_("One word or phrase per line. A comment whose name, email, website or text "
                    "contains one waits for a moderator. End an entry with * to match any "
                    "word starting with it."))
    spam_words = models.TextField(
        _("words that mark a comment as spam"), blank=True,
        help_text=_("One word or phrase per line, as above; such comments go straight to spam."))
    max_links = models.PositiveSmallIntegerField(
        _("links allowed"), default=2,
        help_text=_("A comment with more links than this (website included) is held."))
    per_ip_per_minute = models.PositiveIntegerField(_("comments per IP per minute"), default=5)
    per_ip_per_hour = models.PositiveIntegerField(_("comments per IP per hour"), default=40)
    per_address_per_minute = models.PositiveIntegerField(_("comments per address per minute"),
                                                         default=3)
    per_address_per_hour = models.PositiveIntegerField(_("comments per address per hour"),
                                                       default=30)
    per_statement_per_minute = models.PositiveIntegerField(
        _("comments per statement per minute"), default=120)
    site_per_minute = models.PositiveIntegerField(_("comments per minute, whole site"),
                                                  default=600)
    last_digest_at = models.DateTimeField(null=True, blank=True, editable=False)

    GENERATION_KEY = "generation:comment-moderation-settings"

    class Meta:
        verbose_name = _("moderation settings")
        verbose_name_plural = _("moderation settings")

    def __str__(self) -> str:
        return str(_("Comment moderation settings"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
        self.changed()

    @staticmethod
    def changed() -> None:
        """Every process re-reads the settings (call after a QuerySet.update of the row)."""
        _current_settings.changed()

    @classmethod
    def current(cls) -> ModerationSettings:
        """Read on every comment POST, so each process keeps a copy until it is saved again
        (shared read-only: change it through save())."""
        return _current_settings.get()


def _load_settings() -> ModerationSettings:
    return ModerationSettings.objects.get_or_create(pk=1)[0]


_current_settings = KeptCopy((ModerationSettings.GENERATION_KEY,), _load_settings)
