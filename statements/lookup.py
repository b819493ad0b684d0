"""The statement a public form posts to, kept per process between its changes.

On a viral day one statement takes hundreds of sign-ons and comments a second; reading its row
for each cost more than all of the request's other checks together. A copy is kept while the
statement's row generation stays the same (``statements.pages.statement_changed(..., row=True)``: every
change to a statement — admin, import, lockdown — bumps it, but new signatures and comments do
not), and each process re-reads generations at least every second, so a change reaches the
forms as fast as it reaches the cached page the form was on. As for pages, the generations
are read *before* the row: a change committed in between makes the copy stale at once instead
of freezing an old one.

Callers must treat the returned statement as read-only: the process's requests share it.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404

from statements.models import Statement, Translation
from statements.pages import row_generations

# The text is not needed to sign or comment, and it is the bulk of the row.
_TEXT_FIELDS = ("body", "body_html", "summary")
_MAX_ENTRIES = 512

_copies: dict[tuple[str, object], tuple[tuple[str, ...], Statement]] = {}


def _generations(statement_id: int) -> tuple[str, ...]:
    return row_generations(statement_id)


def public_statement(*, slug: str | None = None, pk: int | None = None) -> Statement:
    """A public statement by slug or primary key (404 otherwise), shared read-only."""
    key: tuple[str, object] = ("slug", slug) if slug is not None else ("pk", pk)
    kept = _copies.get(key)
    if kept is not None and _generations(kept[1].pk) == kept[0]:
        return kept[1]
    public = Statement.objects.public()
    statement_id = pk if pk is not None else (
        public.filter(slug=slug).values_list("pk", flat=True).first())
    if statement_id is None:
        raise Http404("No such statement.")
    generations = _generations(statement_id)
    # The translations' titles name the statement on the forms' pages in the reader's language.
    titles = Translation.objects.only("statement_id", "language", "title")
    statement = (public.defer(*_TEXT_FIELDS).filter(pk=statement_id)
                 .prefetch_related(Prefetch("translations", queryset=titles)).first())
    if statement is None or (slug is not None and statement.slug != slug):
        raise Http404("No such statement.")
    if len(_copies) >= _MAX_ENTRIES:
        _copies.clear()
    _copies[key] = (generations, statement)
    return statement
