"""How a view opts into the page cache: ``@cached_page(dependencies)``.

A view is cached only when it says so, and says what its page depends on: ``dependencies`` is
called with the request and the URL's arguments and returns the generation keys
(``core.generations``) whose change makes the page stale — for the statements' pages, one of
``statements.pages.page_of_statement`` or ``page_of_site``. The generations are read here,
before the view renders, so that a change committed during the render makes the page stale at
once. Nothing happens unless the page cache's middleware is listening to this request (an
anonymous GET, ``pages`` installed): without the ``pages`` app the decorator costs nothing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from core.generations import read_generations

logger = logging.getLogger("undersigned.pagecache")

# Set by the middleware on a request whose answer it may store; the decorator answers with
# (dependencies, generations) under PAGE_PLAN.
LISTENING = "undersigned.page_cache_listening"
PAGE_PLAN = "undersigned.page_plan"

Dependencies = Callable[..., tuple[str, ...]]


def cached_page[View: Callable[..., Any]](dependencies: Dependencies) -> Callable[[View], View]:
    """Mark a view whose anonymous answers are the same for everyone, and may be stored."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            environ = request.META
            if environ.get(LISTENING):
                try:
                    keys = dependencies(request, *args, **kwargs)
                    environ[PAGE_PLAN] = (keys, read_generations(keys))
                except Exception:  # the cache is an optimisation: the page is answered anyway
                    logger.exception("page cache unavailable")
            return view(request, *args, **kwargs)

        wrapped.cached_page = True  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate
