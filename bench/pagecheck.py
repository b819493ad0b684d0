"""What a statement page shows, read from its HTML: the check every benchmark makes before it
times anything.

A benchmark names what it measures ("100k signatures, 200 comments"). The comments its
generator once wrote were never shown (the page said "No comments yet"), and every page figure
was taken on a page without a discussion. So before a scenario times a page, a form post or a
render, it compares what the page *shows* with what it *claims*: the signature count in the
counts line, and the comments drawn on the discussion's first page (all of them published, as
many as the database says that page holds). A mismatch fails the scenario with a message that
says what the page showed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COUNTS = re.compile(r'<p class="counts">(.*?)</p>', re.DOTALL)
_NUMBER = re.compile(r"\d[\d,.\u00a0\u202f]*")
_COMMENT = re.compile(r'<li class="comment[^"]*" id="comment-\d+"')
NO_COMMENTS = "No comments yet."  # the English page (/en/), which every scenario reads


class PageCheckFailed(RuntimeError):
    """The page does not hold what the benchmark says it measures."""


@dataclass(frozen=True)
class PageFacts:
    signatures: int | None  # organisations + people in the counts line (None: no counts line)
    comments: int  # comment elements drawn (the discussion's first page)
    says_no_comments: bool
    size: int  # bytes of HTML

    def describe(self) -> str:
        counted = f"{self.signatures:,}" if self.signatures is not None else "no"
        return (f"{counted} signatures counted, {self.comments} comments drawn, "
                f"{self.size / 1024:.1f} KB of HTML")


def read(html: str | bytes) -> PageFacts:
    text = html.decode() if isinstance(html, bytes) else html
    counts = _COUNTS.search(text)
    signatures = None
    if counts:
        signatures = sum(int(re.sub(r"\D", "", n)) for n in _NUMBER.findall(counts.group(1)))
    return PageFacts(signatures=signatures, comments=len(_COMMENT.findall(text)),
                     says_no_comments=NO_COMMENTS in text, size=len(text.encode()))


def check(html: str | bytes, *, slug: str, signatures: int, comments: int | None,
          published: int, first_page: int) -> PageFacts:
    """Raise PageCheckFailed unless the page of ``slug`` shows ``signatures`` signatures and a
    discussion of ``comments`` comments (None: of the comments published, however many, for a
    scenario that claims no number and runs after others have posted some). ``published`` and
    ``first_page`` come from the database (``djtools.py facts``): the statement's published
    comments, and how many of them its discussion's first page holds."""
    facts = read(html)
    problems = []
    comments = published if comments is None else comments
    if facts.signatures != signatures:
        shown = f"{facts.signatures:,}" if facts.signatures is not None else "no"
        problems.append(f"it counts {shown} signatures, the benchmark claims {signatures:,}")
    if published != comments:
        problems.append(f"the database holds {published} published comments, the benchmark "
                        f"claims {comments:,}")
    if comments and facts.says_no_comments:
        problems.append(f'it says "{NO_COMMENTS}" under a benchmark that claims {comments:,} '
                        "comments")
    if comments and facts.comments != first_page:
        problems.append(f"it draws {facts.comments} comments, its first discussion page holds "
                        f"{first_page}")
    if not comments and facts.comments:
        problems.append(f"it draws {facts.comments} comments, the benchmark claims none")
    if problems:
        raise PageCheckFailed(f"/en/s/{slug}/ does not hold what the benchmark measures: "
                              + "; ".join(problems) + f" ({facts.describe()})")
    return facts
