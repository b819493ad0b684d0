"""Shared fixtures: an isolated data directory, a real SMTP server, the task worker, and
builders for statements."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.core.management import call_command
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.test import Client
from django.utils import timezone, translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from core import generations, protection
from signatures import intake
from statements.models import Category, Organisation, Statement, StatementIssuer

# Property tests (hypothesis) try the same examples on every run unless asked otherwise: a
# random search that fails one run in fifty makes the suite flaky without making it stronger.
# The "fuzz" profile (`make fuzz`) searches at random with a large budget, to find new cases
# (docs/testing.md). Both are registered while pytest loads this file, before the hypothesis
# plugin reads --hypothesis-profile.
_PROPERTY_TESTS = {"deadline": None,  # a request takes what it takes on a busy machine
                   "suppress_health_check": [HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow]}
hypothesis_settings.register_profile("ci", derandomize=True, max_examples=60, database=None,
                                     **_PROPERTY_TESTS)
hypothesis_settings.register_profile("fuzz", derandomize=False, max_examples=2000,
                                     print_blob=True, **_PROPERTY_TESTS)
hypothesis_settings.load_profile("ci")


def _flush_by_delete(self, style, tables, *, reset_sequences=False, allow_cascade=False):  # noqa: ANN001, ANN202
    """After each test that commits (``transaction=True``) pytest-django empties every table.
    PostgreSQL's ``TRUNCATE`` of all of them costs 0.1 s on a quiet machine and seconds under
    load — the largest part of the PostgreSQL run's time (teardowns of 5 s in CI logs) — while
    ``DELETE`` of the few rows a test leaves costs a millisecond. The order of the deletes does
    not matter: Django creates every foreign key on PostgreSQL ``DEFERRABLE INITIALLY
    DEFERRED``, and the flush runs in one transaction (``test_flush_empties_linked_tables``
    guards both)."""
    if reset_sequences or not tables:
        return _truncate(self, style, tables, reset_sequences=reset_sequences,
                         allow_cascade=allow_cascade)
    return [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables]


_truncate = PostgresOperations.sql_flush
PostgresOperations.sql_flush = _flush_by_delete


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path, monkeypatch) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"test-{tmp_path.name}"}}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    cache.clear()
    # The cache is new for each test: this process's copies of what it held (generations, pages,
    # statement lookups) belong to the last test and are forgotten. Kept, a copy checked less than
    # a second ago would be trusted, and a page of the last test's statement of the same slug
    # served (seen under load: an embed showing the previous test's count).
    generations.forget_local()
    # A request through the WSGI handler leaves its language active in the thread (Django
    # switches it per request, never back): each test starts in the default language.
    translation.activate(settings.LANGUAGE_CODE)
    # Every sign-on is applied by its own request, as on a quiet site; the batching of a surge
    # is tested on its own (tests/signatures/test_intake.py).
    monkeypatch.setattr(intake, "APPLY_INTERVAL", 0)
    yield
    cache.clear()


@dataclass
class Mailbox:
    """What the real SMTP server in the tests received."""

    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    controller: Controller | None = None
    # Messages still accepted before the server answers every further one with 421 (service
    # not available, closing the channel), as a mail server going away in mid-batch does.
    # None: no limit.
    accept: int | None = None
    # Recipients answered "450 mailbox busy" (a refusal of one address, for now).
    busy: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:  # noqa: N802, ANN001
        if address in self.busy:
            return "450 Requested mail action not taken: mailbox busy"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802, ANN001
        with self.lock:
            if self.accept is not None:
                if self.accept <= 0:
                    return "421 Service not available, closing transmission channel"
                self.accept -= 1
        message = message_from_bytes(envelope.original_content or envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        """Start (or restart, after ``stop``) the SMTP server on the same port."""
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """The SMTP server goes down: connections to its port are refused until ``start``."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    @staticmethod
    def text(message: Message) -> str:
        if message.is_multipart():
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


def cold_caches() -> None:
    """Forget the shared cache and this process's copies (generations, site settings, statement
    lookups): the next request renders and loads as the first after a start does, whatever
    the clock says (a copy is otherwise re-checked only once a second)."""
    cache.clear()
    generations.forget_local()


def free_port() -> int:
    """A port free on 127.0.0.1 now: aiosmtpd's start-up check cannot connect to "port 0"."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(settings) -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; Django sends to it over SMTP."""
    box = Mailbox(port=free_port())
    box.start()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": box.port}}}
    yield box
    box.stop()


def run_tasks() -> None:
    """Run the durable task queue to empty, as the worker beside the server would. Without
    ``--no-startup-delay`` the worker first sleeps a random part of a second (against a
    thundering herd of workers starting together): half a second per call, a third of the
    suite's time on PostgreSQL."""
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-reload",
                 "--no-startup-delay", verbosity=0)


@pytest.fixture
def tasks():
    return run_tasks


def make_statement(slug: str = "water-is-life", *, status: str = Statement.Status.PUBLISHED,
                   title: str = "Water is life", body: str = "We stand together.",
                   language: str = "en", issuers: tuple[str, ...] = ("River Keepers",),
                   category: str | None = "Opinion", **fields) -> Statement:
    statement = Statement.objects.create(
        slug=slug, title=title, body=body, language=language, status=status,
        published_at=timezone.now() if status != Statement.Status.DRAFT else None,
        category=Category.objects.get_or_create(slug=category.lower(), defaults={"name": category})[0]
        if category else None, **fields)
    for position, name in enumerate(issuers):
        organisation, _ = Organisation.objects.get_or_create(
            slug=name.lower().replace(" ", "-"), defaults={"name": name})
        StatementIssuer.objects.create(statement=statement, organisation=organisation,
                                       position=position)
    return statement


@pytest.fixture
def statement(db) -> Statement:
    return make_statement()


@pytest.fixture
def anon() -> Client:
    return Client()


@dataclass
class LimitClock:
    """Stands in for the ``time`` module in core.protection: the clock of its rate-limit
    windows, form-token windows and the daily key of the address hash. It stands still; a
    test that means to cross a window sets ``now``."""

    now: float

    def time(self) -> float:
        return self.now


@pytest.fixture
def frozen_limit_clock(monkeypatch: pytest.MonkeyPatch) -> LimitClock:
    """Windows follow the wall clock (``int(time.time() // seconds)``): a burst that runs
    across the end of a minute, an hour or a UTC day would see its counts start again and its
    N+1-th request let through. Any test that expects a limit to refuse uses this clock."""
    clock = LimitClock(now=time.time())
    monkeypatch.setattr(protection, "time", clock)
    return clock
