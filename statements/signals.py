"""What happens to a statement that apps above may want to know (webhooks, docs/webhooks.md).

Sent by ``statements.actions`` inside the transaction that made the change; receivers connect
in their own ``AppConfig.ready()``, this app never imports them.
"""

from __future__ import annotations

from django.dispatch import Signal

from statements.models import Statement

# A statement went from draft to published. Keyword argument: ``statement``.
statement_published = Signal()

# A statement that readers can see changed: its text (a new revision of any language
# version) or its status (closed, archived, reopened, back to draft). Keyword argument:
# ``statement``.
statement_edited = Signal()


def send_statement_events(statement: Statement, *, previous_status: str | None,
                          revised: bool) -> None:
    """Send the one event a saved statement amounts to, if any. ``previous_status`` is None
    for a statement just created; ``revised``: a new revision of its text was kept."""
    was_public = previous_status in Statement.PUBLIC_STATUSES
    if statement.is_public and not was_public:
        statement_published.send(sender=Statement, statement=statement)
    elif was_public and (previous_status != statement.status or revised):
        statement_edited.send(sender=Statement, statement=statement)
