"""What a statement's public pages depend on, and the one call that marks them changed.

The page cache (``pages``) stores a page with the generations (``core.generations``) it was
rendered under; this module names those generations for the statements' pages:

* the site's: home, category and organisation pages show titles and counts of every statement;
* each statement's: its page, its language versions and its signatory list;
* each statement's *row*: bumped only when the statement itself changes (its text, status,
  policies, lockdown), not by its new signatures or comments; the forms' per-process copies of
  the statement (``statements.lookup``) depend on it;
* the global one: what can show on every page (an organisation or category renamed).

``statement_changed`` is the one invalidation call: every action that changes something a
visitor could see calls it, inside or outside a transaction (``bump_generations`` tells the
other processes when the transaction commits). Saves that do not go through an action (the
admin's inlines, the import) reach it through the model signals connected in
``StatementsConfig.ready``. A bulk ``.update()`` sends no signal: the action that runs one calls
``statement_changed(..., row=True)`` itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.generations import (
    EVERY_PAGE_GENERATION_KEY,
    bump_generations,
    current_generations,
    generation,
)

STATEMENT_GENERATION_KEY = "pagecache:generation:{statement_id}"
SITE_GENERATION_KEY = "pagecache:generation:site"
ROW_GENERATION_KEY = "pagecache:generation:row:{statement_id}"
GLOBAL_GENERATION_KEY = EVERY_PAGE_GENERATION_KEY  # core.site bumps it too

# What every page that is not about one statement depends on (home, categories, organisations).
SITE_DEPENDENCIES = (GLOBAL_GENERATION_KEY, SITE_GENERATION_KEY)


def statement_changed(*statement_ids: int, row: bool = False) -> None:
    """Mark these statements' pages and the site's lists stale; with ``row``, the statements
    themselves changed too (not only what people signed or wrote under them), so the forms'
    kept copies are stale as well. One write of the shared cache for all of them."""
    keys = {SITE_GENERATION_KEY}
    for statement_id in statement_ids:
        keys.add(STATEMENT_GENERATION_KEY.format(statement_id=statement_id))
        if row:
            keys.add(ROW_GENERATION_KEY.format(statement_id=statement_id))
    bump_generations(*sorted(keys))


def everything_changed() -> None:
    """Mark every cached page stale (an organisation or category renamed)."""
    bump_generations(GLOBAL_GENERATION_KEY, SITE_GENERATION_KEY)


def statement_generation(statement_id: int) -> str:
    return generation(STATEMENT_GENERATION_KEY.format(statement_id=statement_id))


def site_generation() -> str:
    return generation(SITE_GENERATION_KEY)


def statement_dependencies(statement_id: int | None) -> tuple[str, ...]:
    """What a page of one statement depends on; a 404 for a slug that names no statement yet
    depends on the site (publishing any statement bumps it)."""
    if statement_id is None:
        return SITE_DEPENDENCIES
    return (GLOBAL_GENERATION_KEY, STATEMENT_GENERATION_KEY.format(statement_id=statement_id))


def row_generations(statement_id: int) -> tuple[str, ...]:
    """The generations a kept copy of the statement's row is valid under."""
    return current_generations(
        (GLOBAL_GENERATION_KEY, ROW_GENERATION_KEY.format(statement_id=statement_id)))


# --- the cached pages' dependencies (``pages.cached_page``) -----------------------------------

def page_of_statement(request: Any, slug: str = "", **kwargs: Any) -> tuple[str, ...]:
    """Dependencies of a page about the statement named by the URL's ``slug``."""
    from statements.models import Statement

    statement_id = Statement.objects.filter(slug=slug).values_list("id", flat=True).first()
    return statement_dependencies(statement_id)


def page_of_site(request: Any, **kwargs: Any) -> tuple[str, ...]:
    """Dependencies of a page that lists statements (home, a category, an organisation)."""
    return SITE_DEPENDENCIES


# --- saves made outside the actions ------------------------------------------------------------

def _statement_saved(sender: type, instance: Any, **kwargs: Any) -> None:
    statement_id = instance.pk if sender.__name__ == "Statement" else getattr(
        instance, "statement_id", None)
    if statement_id is not None:
        statement_changed(statement_id, row=True)


def _everything_saved(sender: type, instance: Any, **kwargs: Any) -> None:
    everything_changed()


def connect_model_signals(models: Iterable[type], shared: Iterable[type]) -> None:
    """Saves and deletions of ``models`` (a statement or a part of it) mark that statement
    changed; of ``shared`` (shown on many pages) mark everything changed."""
    from django.db.models.signals import post_delete, post_save

    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(_statement_saved, sender=model,
                           dispatch_uid=f"pages-{model.__name__}")
    for model in shared:
        for signal in (post_save, post_delete):
            signal.connect(_everything_saved, sender=model,
                           dispatch_uid=f"pages-{model.__name__}")
