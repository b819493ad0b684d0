"""Shared fixtures: an isolated data directory, a real SMTP server, the task worker, and
builders for statements."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from signatures import intake
from statements.models import Category, Organisation, Statement, StatementIssuer


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path, monkeypatch) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"test-{tmp_path.name}"}}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    cache.clear()
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

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802, ANN001
        message = message_from_bytes(envelope.original_content or envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    @staticmethod
    def text(message: Message) -> str:
        if message.is_multipart():
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


def free_port() -> int:
    """A port free on 127.0.0.1 now: aiosmtpd's start-up check cannot connect to "port 0"."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(settings) -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; Django sends to it over SMTP."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield box
    controller.stop()


def run_tasks() -> None:
    """Run the durable task queue to empty, as the worker beside the server would."""
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-reload", verbosity=0)


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
