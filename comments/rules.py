"""The moderation rules a new or edited comment goes through, without side effects."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from comments.models import Ban, Comment, KnownAddress, ModerationSettings
from core.generations import KeptCopy
from statements.models import Statement

_LINK = re.compile(r"<a\s", re.IGNORECASE)
# A link's whole element, its text included: an address written as the text of a link is that
# link, not a second one.
_LINK_ELEMENT = re.compile(r"<a\s.*?</a\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
# Addresses left as plain text. They are not made links (nothing a spammer could gain in a
# search engine), but a reader copies them as readily as they follow a link, so they count
# against the same limit: anything with a scheme (https://…), www.…, and a domain followed by
# a path (example.org/path). A bare domain without path (example.org) is not counted: it is
# too often a typo between two sentences ("agreed.Thanks").
_BARE_ADDRESS = re.compile(
    r"(?<![\w@.-])(?:"
    r"[a-z][a-z0-9+.-]*://[^\s<>]+"  # https://…, ftp://…
    r"|www\d{0,3}\.[^\s<>.]+\.[^\s<>]+"  # www.example.org…
    r"|(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}/[^\s<>]*"  # example.org/path
    r")",
    re.IGNORECASE)


def normalise(text: str) -> str:
    """NFKC + casefold, without format characters: what word lists are matched against."""
    text = unicodedata.normalize("NFKC", text or "")
    # Zero-width and other format characters would let "sp\u200bam" slip past a word list.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.casefold()


def _pattern(entries: str) -> re.Pattern[str] | None:
    parts = []
    for line in (entries or "").splitlines():
        word = normalise(line).strip()
        if not word or word == "*":
            continue
        prefix = word.endswith("*")
        word = word.rstrip("*").strip()
        body = r"\s+".join(re.escape(w) for w in word.split())
        # Whole words (so "ass" does not hold "class"), unless the entry ends with "*".
        parts.append(rf"(?<!\w){body}" + ("" if prefix else r"(?!\w)"))
    if not parts:
        return None
    return re.compile("|".join(parts))


_compiled: dict[str, re.Pattern[str] | None] = {}


def word_pattern(entries: str) -> re.Pattern[str] | None:
    if entries not in _compiled:
        if len(_compiled) > 16:
            _compiled.clear()
        _compiled[entries] = _pattern(entries)
    return _compiled[entries]


def matches(entries: str, *fields: str) -> bool:
    pattern = word_pattern(entries)
    if pattern is None:
        return False
    return any(pattern.search(normalise(field)) for field in fields if field)


def count_links(body_html: str, website: str) -> int:
    """The links a comment carries: its rendered links, the addresses left as plain text in
    it (each counted like a link) and its website."""
    links = len(_LINK.findall(body_html))
    text = html.unescape(_TAG.sub(" ", _LINK_ELEMENT.sub(" ", body_html)))
    return links + len(_BARE_ADDRESS.findall(text)) + (1 if website else 0)


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str = ""


def lockdown(statement: Statement, now: datetime | None = None) -> str:
    """'hold', 'close' or '' while no lockdown is in force."""
    now = now or timezone.now()
    if statement.comments_locked_until and statement.comments_locked_until > now:
        return statement.comments_lock_mode or "hold"
    return ""


def comments_open(statement: Statement) -> bool:
    if statement.status not in (Statement.Status.PUBLISHED, Statement.Status.CLOSED):
        return False
    if statement.comment_moderation == Statement.CommentModeration.CLOSED:
        return False
    return lockdown(statement) != "close"


# Bans are read on every comment POST and change rarely: each process keeps the active ones
# until a ban is made, lifted or erased (a shared generation, as for cached pages: every other
# process sees the change within a second, this one at once).
BANS_GENERATION_KEY = "generation:comment-bans"


def _load_bans() -> dict[str, datetime]:
    """Banned value → when its last ban ends."""
    until: dict[str, datetime] = {}
    for value, ends in Ban.objects.active().values_list("value", "until"):
        until[value] = max(ends, until.get(value, ends))
    return until


_bans = KeptCopy((BANS_GENERATION_KEY,), _load_bans)


def bans_changed(**_signal: Any) -> None:
    _bans.changed()


def is_banned(key: str, ip_hash: str) -> bool:
    bans, now = _bans.get(), timezone.now()
    return any(value in bans and bans[value] > now for value in (key, ip_hash) if value)


def is_trusted(key: str) -> bool:
    return KnownAddress.objects.filter(
        Q(confirmed_at__isnull=False) | Q(approved_at__isnull=False), email_key=key).exists()


def judge(statement: Statement, *, name: str, email: str, website: str, body: str,
          body_html: str, key: str, ip_hash: str, check_policy: bool = True) -> Verdict:
    """Where a comment goes: spam, held (with the reason) or visible."""
    site = ModerationSettings.current()
    fields = (name, email, website, body)
    if is_banned(key, ip_hash):
        return Verdict(Comment.Status.SPAM, "banned")
    if matches(site.spam_words, *fields):
        return Verdict(Comment.Status.SPAM, "spam word")
    if matches(site.hold_words, *fields):
        return Verdict(Comment.Status.HELD, "hold word")
    if count_links(body_html, website) > site.max_links:
        return Verdict(Comment.Status.HELD, "too many links")
    if lockdown(statement) == "hold":
        return Verdict(Comment.Status.HELD, "lockdown")
    if check_policy:
        policy = statement.comment_moderation
        if policy == Statement.CommentModeration.ALL:
            return Verdict(Comment.Status.HELD, "policy: all")
        if policy == Statement.CommentModeration.FIRST and not is_trusted(key):
            return Verdict(Comment.Status.HELD, "first comment from this address")
    return Verdict(Comment.Status.VISIBLE)
