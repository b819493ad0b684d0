"""The statement page keeps to its weight budget under a long discussion: at most 30 KB of gzip
(issue 15), what ``comments.public.PAGE_SIZE`` is chosen for (docs/decisions.md, "Discussion
pages"). A size, never a time.

The discussion is made as the benchmark makes it (bench/generate.py): comments posted through
``do_post_comment``, a third of them replies, with text as varied as people's (bench/text.py;
a page of one sentence repeated would compress far better than any real discussion)."""

from __future__ import annotations

import gzip
import re

from django.test import Client
from django.utils import timezone

from bench.text import comment_body
from comments import actions, public
from signatures.actions import reconcile_counts
from signatures.models import Signature
from statements.models import Statement
from tests.comments.conftest import page
from tests.conftest import make_statement

BUDGET = 30 * 1024  # bytes of gzip for the whole statement page
LONG_DISCUSSION = 2_000


def _statement() -> Statement:
    statement = make_statement(
        "long-talk", body="\n\n".join(comment_body(100_000 + n) for n in range(12)),
        issuers=("River Keepers", "El Buho Collective"),
        comment_moderation=Statement.CommentModeration.NONE)
    # A full signatory section (the page lists the first organisations and people).
    now = timezone.now()
    Signature.objects.bulk_create([
        Signature(statement=statement, kind=kind, name=f"Person {n:05d}",
                  organisation_name=f"Organisation {n:05d}" if kind == "organisation" else "",
                  sort_name=(f"organisation {n:05d}" if kind == "organisation"
                             else f"person {n:05d}"),
                  email=f"s{n}@example.org", country="Chile", show_name=True,
                  status=Signature.Status.VISIBLE, confirmed_at=now)
        for n in range(200) for kind in (("organisation",) if n % 4 == 0 else ("individual",))])
    reconcile_counts([statement])
    return statement


def _discussion(statement: Statement, count: int) -> None:
    made: list[int] = []
    for i in range(count):
        comment = actions.do_post_comment(statement, actions.NewComment(
            name=f"Commenter {i}", email=f"c{i}@example.org",
            website=f"https://example.org/~{i}" if i % 7 == 0 else "", body=comment_body(i),
            parent_id=made[i // 3] if i % 3 == 2 else None), ip_hash="", language="en")
        made.append(comment.pk)


def test_a_long_discussion_keeps_the_statement_page_within_30_kb_of_gzip(db) -> None:
    statement = _statement()
    _discussion(statement, LONG_DISCUSSION)
    html = page(Client(), statement)
    shown = len(re.findall(r'<li class="comment[^"]*" id="comment-\d+"', html))
    # Not a short page by accident: a full first page of threads with their replies, and more.
    assert shown > public.PAGE_SIZE and 'rel="next"' in html
    weight = len(gzip.compress(html.encode(), 6))  # as the page cache compresses it
    assert weight <= BUDGET, (
        f"the statement page weighs {weight / 1024:.1f} KB of gzip with {shown} comments on "
        f"its first discussion page (budget 30 KB): lower comments.public.PAGE_SIZE")
