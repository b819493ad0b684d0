"""What the public sees of a statement's discussion.

The thread is drawn in Python rather than with a recursive template include: a page with 200
comments then costs about a millisecond, and the bodies were already rendered and sanitised
when they were saved. Nothing here depends on who is asking (no cookie is read): the page is
the same bytes for every anonymous visitor and can be cached whole.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from html import escape
from typing import Any, NamedTuple

from django.http import HttpRequest
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from comments import rules
from comments.forms import BODY_MAX, NAME_MAX
from comments.models import Comment
from core.protection import HONEYPOT_FIELD, TOKEN_FIELD, form_token
from pages.store import declare_query
from statements.models import Statement

# Top-level comments per page; their replies come with them. The statement page must stay
# within 30 KB of gzip, and with 50 threads a long discussion's first page did not
# (docs/decisions.md, "Discussion pages"; tests/comments/test_page_weight.py holds it).
PAGE_SIZE = 20
ORDERS = ("oldest", "newest")
FORM_PURPOSE = "comment"

# Decorative colours for the drawn avatars (they carry no information, so no contrast rule).
_PALETTE = ("#8a1c1c", "#1a4fd6", "#1f7a4d", "#7a4b9a", "#b35c00", "#2f6f7f", "#9a2f6a",
            "#4d5d1f")


class Row(NamedTuple):
    """What the thread needs of a comment; plain tuples are several times cheaper than models."""

    id: int
    parent_id: int | None
    root_id: int | None
    depth: int
    status: str
    name: str
    website: str
    body_html: str
    avatar_seed: int
    created_at: Any
    edited_at: Any


COLUMNS = Row._fields


def row(comment: Comment) -> Row:
    return Row(*(getattr(comment, f) for f in COLUMNS))


@lru_cache(maxsize=8192)
def avatar_svg(seed: int) -> str:
    """A symmetric 5×5 pattern from a random per-comment number: never from the address."""
    colour = _PALETTE[seed % len(_PALETTE)]
    bits = seed >> 3
    cells = []
    for row in range(5):
        for col in range(3):
            if bits & 1:
                cells.append(f"M{col} {row}h1v1h-1z")
                if col < 2:
                    cells.append(f"M{4 - col} {row}h1v1h-1z")
            bits >>= 1
    return (f'<svg class="avatar" viewBox="0 0 5 5" width="24" height="24" aria-hidden="true" '
            f'focusable="false"><rect width="5" height="5" fill="#efece6"/>'
            f'<path fill="{colour}" d="{"".join(cells)}"/></svg>')


def parse_page(request: HttpRequest) -> tuple[int, str]:
    order = request.GET.get("order", "oldest")
    if order not in ORDERS:
        order = "oldest"
    try:
        page = int(request.GET.get("cpage", "1"))
    except ValueError:
        page = 1
    return max(1, min(page, 100_000)), order


def page_of(comment: Comment, order: str = "oldest") -> int:
    """Which page of its statement's discussion shows this comment (for permalinks)."""
    root = comment.root or comment
    roots = Comment.objects.filter(statement_id=comment.statement_id, parent__isnull=True,
                                   listed=True)
    if order == "oldest":
        before = roots.filter(created_at__lt=root.created_at).count() + roots.filter(
            created_at=root.created_at, id__lt=root.id).count()
    else:
        before = roots.filter(created_at__gt=root.created_at).count() + roots.filter(
            created_at=root.created_at, id__gt=root.id).count()
    return before // PAGE_SIZE + 1


def _page_url(page: int, order: str) -> str:
    params = []
    if order != "oldest":
        params.append(f"order={order}")
    if page > 1:
        params.append(f"cpage={page}")
    return ("?" + "&amp;".join(params) if params else "?") + "#comments"


class ThreadRenderer:
    def __init__(self, statement: Statement, can_reply: bool) -> None:
        self.statement = statement
        self.can_reply = can_reply
        self.max_depth = max(1, statement.comment_reply_depth)
        self.reply_base = reverse("comments:form", args=[statement.pk])
        self.t_reply = escape(gettext("Reply"))
        self.t_removed = escape(gettext("Comment removed."))
        self.t_edited = escape(gettext("(edited)"))
        self.t_reply_to = gettext("Reply to %(name)s")
        self.t_says = gettext("Comment by %(name)s")
        # The visitor's language's format, looked up once per thread, not once per comment.
        self.datetime_format = str(get_format("DATETIME_FORMAT"))

    def render(self, roots: list[Row], children: dict[int | None, list[Row]]) -> SafeString:
        parts: list[str] = ['<ol class="comment-list">']
        for root in roots:
            self._comment(root, children, parts)
        parts.append("</ol>")
        return mark_safe("".join(parts))  # noqa: S308 - every value below is escaped

    def _comment(self, c: Row, children: dict[int | None, list[Row]], out: list[str]) -> None:
        if c.status == Comment.Status.VISIBLE:
            out.append(f'<li class="comment" id="comment-{c.id}">')
            out.append(self._article(c))
        else:
            out.append(f'<li class="comment removed" id="comment-{c.id}">'
                       f'<p class="comment-removed"><em>{self.t_removed}</em></p>')
        replies = children.get(c.id)
        if replies:
            out.append("<ol>")
            for reply in replies:
                self._comment(reply, children, out)
            out.append("</ol>")
        out.append("</li>")

    def _article(self, c: Row) -> str:
        name = escape(c.name)
        if c.website:
            author = (f'<a class="author" href="{escape(c.website)}" '
                      f'rel="nofollow ugc noopener">{name}</a>')
        else:
            author = f'<span class="author">{name}</span>'
        # In the site's time zone (UNDERSIGNED_TIME_ZONE) and the visitor's language; the
        # datetime attribute stays ISO 8601 for machines.
        when = timezone.localtime(c.created_at)
        stamp = (f'<a href="#comment-{c.id}"><time datetime="{when.isoformat(timespec="seconds")}">'
                 f'{escape(dateformat.format(when, self.datetime_format))}</time></a>')
        edited = f" <small>{self.t_edited}</small>" if c.edited_at else ""
        reply = ""
        if self.can_reply and c.depth < self.max_depth:
            label = escape(self.t_reply_to % {"name": c.name})
            # No fragment: a target in the address would stop the reply page's autofocus.
            reply = (f'<p class="comment-reply"><a href="{self.reply_base}?replyto={c.id}" '
                     f'aria-label="{label}">{self.t_reply}</a></p>')
        label = escape(self.t_says % {"name": c.name})
        return (f'<article aria-label="{label}"><header>{avatar_svg(c.avatar_seed)}{author} · '
                f'{stamp}{edited}</header><div class="comment-body">{c.body_html}</div>'
                f'{reply}</article>')


def thread_page(statement: Statement, page: int, order: str
                ) -> tuple[list[Row], dict[int | None, list[Row]], bool]:
    """One page of top-level comments with all their listed replies: two queries."""
    ordering = ("created_at", "id") if order == "oldest" else ("-created_at", "-id")
    start = (page - 1) * PAGE_SIZE
    roots = [Row(*values) for values in
             Comment.objects.filter(statement=statement, listed=True, parent__isnull=True)
             .order_by(*ordering).values_list(*COLUMNS)[start:start + PAGE_SIZE + 1]]
    has_next = len(roots) > PAGE_SIZE
    roots = roots[:PAGE_SIZE]
    children: dict[int | None, list[Row]] = defaultdict(list)
    if roots:
        members = (Comment.objects.filter(root_id__in=[r.id for r in roots], listed=True)
                   .order_by("created_at", "id").values_list(*COLUMNS))
        for values in members:
            member = Row(*values)
            children[member.parent_id].append(member)
    return roots, children, has_next


def form_context(statement: Statement) -> dict[str, Any]:
    """What every comment form needs, identical for every visitor."""
    return {
        "action": reverse("comments:form", args=[statement.pk]),
        "token_field": TOKEN_FIELD,
        "token": form_token(FORM_PURPOSE, statement.pk),
        "honeypot_field": HONEYPOT_FIELD,
        "name_max": NAME_MAX,
        "body_max": BODY_MAX,
        "pow": pow_context(statement),
    }


def pow_context(statement: Statement) -> dict[str, Any] | None:
    """The shared proof-of-work widget (core.proof_of_work) when the statement's switch is on."""
    try:
        from core import proof_of_work
    except ImportError:
        return None
    if not proof_of_work.pow_required(statement):
        return None
    return {"template": "core/_pow.html"}


def comment_section(statement: Statement, request: HttpRequest) -> dict[str, Any]:
    """The discussion under a statement: one page of threads, in the order asked for.

    A page past the end (``?cpage=7`` when there are two pages: a link from before comments
    were removed, or a made-up number) is answered like any other, 200 with the statement and
    an empty discussion whose order links lead to its first page, since that is what someone
    following an old link wants to see. It is not stored in the page cache, though: ``cpage``
    is declared only for page 1 or a page that has comments, so ``?cpage=2`` … ``?cpage=100000``
    × orders × languages cannot become ~200,000 cache entries per statement. A 404 was
    rejected: it would hide the statement from that old link for the sake of an empty list.
    """
    page, order = parse_page(request)
    is_open = rules.comments_open(statement)
    roots, children, has_next = thread_page(statement, page, order)
    # The page depends on these two, spelled as _page_url spells them: anything else in the
    # query (?cpage=abc, ?order=oldest, a page past the end) gets this page but is not stored
    # under its own key.
    declare_query(request.META, order="" if order == "oldest" else order,
                            cpage=str(page) if page > 1 and roots else "")
    thread = ThreadRenderer(statement, is_open).render(roots, children) if roots else ""
    return {
        "statement": statement,
        "thread_html": thread,
        "open": is_open,
        "page": page,
        "order": order,
        "newest_url": mark_safe(_page_url(1, "newest")),  # noqa: S308 - built from constants
        "oldest_url": mark_safe(_page_url(1, "oldest")),  # noqa: S308
        "previous_url": mark_safe(_page_url(page - 1, order)) if page > 1 else "",  # noqa: S308
        "next_url": mark_safe(_page_url(page + 1, order)) if has_next else "",  # noqa: S308
        "form": form_context(statement) if is_open else None,
        "lockdown": rules.lockdown(statement),
    }


def single_comment_html(statement: Statement, comment: Comment) -> SafeString:
    """A comment on its own (the reply page, the author's page), with no reply link."""
    return format_html('<ol class="comment-list">{}</ol>',
                       mark_safe(f'<li class="comment" id="comment-{comment.pk}">'  # noqa: S308
                                 + ThreadRenderer(statement, False)._article(row(comment)) + "</li>"))
