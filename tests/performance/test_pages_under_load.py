"""A page that changes many times a second, while the app threads are busy (pages.store,
"pages that changed, under load"): the hit path answers it as it was for a moment, one request
renders it again, and an idle server still renders every change at once."""

from __future__ import annotations

import dataclasses
import time

import pytest
from django.test import RequestFactory

from core.generations import shared_cache
from core.rsgi import APP_BUSY, BEFORE_THE_LOOP
from pages import serving, store
from statements import pages as statement_pages
from tests.conftest import make_statement

from .conftest import wsgi_request

URL = "/en/s/viral/"
pytestmark = pytest.mark.django_db(transaction=True)


class Protocol:
    """What granian's RSGI protocol receives from a fast path."""

    def __init__(self) -> None:
        self.answers: list[bytes] = []

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.answers.append(body)


def hit(*, busy: bool, before_the_loop: bool = False) -> tuple[bool, dict, Protocol]:
    environ = RequestFactory().get(URL, HTTP_HOST="127.0.0.1:8000").META
    if busy:
        environ[APP_BUSY] = True
    if before_the_loop:
        environ[BEFORE_THE_LOOP] = True
    protocol = Protocol()
    return serving.answer_rsgi(environ, protocol), environ, protocol


def age_stored_page(seconds: float) -> None:
    """Make the stored page look ``seconds`` old (in this process and the shared cache)."""
    environ = RequestFactory().get(URL, HTTP_HOST="127.0.0.1:8000").META
    key = store.cache_key(environ)
    entry = store._local_pages.get(key)
    assert entry is not None
    older = dataclasses.replace(entry, stored_at=time.time() - seconds)
    store._local_pages.put(key, older)
    shared_cache().set(key, older, timeout=store.PAGE_TTL_SECONDS)


@pytest.fixture
def changed_page() -> int:
    """The statement page, stored, then changed (its generation bumped)."""
    statement = make_statement(slug="viral", title="Before")
    assert b"Before" in wsgi_request(URL).body
    statement.title = "After"
    statement.save()  # the model signal makes the one invalidation call
    return statement.pk


def test_an_idle_server_renders_a_changed_page_at_once(changed_page) -> None:
    answered, environ, _protocol = hit(busy=False)
    assert not answered and store.CLAIMED not in environ
    assert b"After" in wsgi_request(URL).body


def test_a_busy_server_answers_a_page_that_changed_a_moment_ago_as_it_was(changed_page,
                                                                          monkeypatch) -> None:
    # "A moment ago", however long this machine took to get here.
    monkeypatch.setattr(store, "REFRESH_SECONDS", 60.0)
    answered, _environ, protocol = hit(busy=True)
    assert answered and b"Before" in protocol.answers[0]


def test_one_request_renders_it_again_while_the_others_get_it_as_it_was(changed_page) -> None:
    age_stored_page(store.REFRESH_SECONDS + 0.5)
    answered, claimer, _protocol = hit(busy=True)
    assert not answered and claimer[store.CLAIMED]  # this one goes on to Django
    answered, other, protocol = hit(busy=True)
    assert answered and b"Before" in protocol.answers[0] and store.CLAIMED not in other
    # The claimer's render stores the new page and releases the claim.
    from undersigned.wsgi import uncached_application

    statuses: list[str] = []
    body = b"".join(uncached_application(claimer, lambda s, h, e=None: statuses.append(s)))
    assert statuses[0].startswith("200") and b"After" in body
    assert not store._claims
    answered, _environ, protocol = hit(busy=True)
    assert answered and b"After" in protocol.answers[0]


def test_before_the_loop_a_changed_page_is_handed_on_unclaimed(changed_page) -> None:
    """granian's scheduler thread (core.rsgi.answer_before_the_loop) answers a page as it was
    only where the loop would, and claims no render: the request it hands on meets the fast
    path again on the loop, which claims it there. A claim taken before the loop would make
    that request answer the old page and leave the render to nobody."""
    age_stored_page(store.REFRESH_SECONDS + 0.5)
    answered, environ, _protocol = hit(busy=True, before_the_loop=True)
    assert not answered and store.CLAIMED not in environ and not store._claims
    answered, claimer, _protocol = hit(busy=True)
    assert not answered and claimer[store.CLAIMED]
    answered, _environ, protocol = hit(busy=True, before_the_loop=True)  # while it renders
    assert answered and b"Before" in protocol.answers[0]


def test_an_abandoned_claim_does_not_freeze_the_page(changed_page, monkeypatch) -> None:
    age_stored_page(store.REFRESH_SECONDS + 0.5)
    answered, claimer, _protocol = hit(busy=True)
    assert not answered  # claimed, and that request never comes back
    later = time.monotonic() + store.CLAIM_SECONDS + 0.1
    monkeypatch.setattr(store.time, "monotonic", lambda: later)
    answered, environ, _protocol = hit(busy=True)
    assert not answered and environ[store.CLAIMED]  # a new claim: this one renders


def test_nothing_changed_means_nothing_to_render(changed_page) -> None:
    statement_pages.statement_changed(changed_page)
    assert b"After" in wsgi_request(URL).body  # idle: rendered and stored
    answered, environ, protocol = hit(busy=True)
    assert answered and b"After" in protocol.answers[0] and store.CLAIMED not in environ
