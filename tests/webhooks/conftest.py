"""A real HTTP receiver on 127.0.0.1 (http.server in a thread) and endpoints pointing to it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from standardwebhooks import Webhook

from core.roles import EDITOR, ensure_role_groups
from signatures import actions as signature_actions
from signatures.models import Signature
from statements.models import Statement
from webhooks import actions
from webhooks.models import Event, WebhookEndpoint


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def items(self) -> list[dict[str, Any]]:
        return json.loads(self.body)

    @property
    def item(self) -> dict[str, Any]:
        (only,) = self.items
        return only


@dataclass
class Receiver:
    """What the receiver got, and what it answers: the next codes in ``answers`` (then 200)."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    location: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verified(self, secret: str) -> list[dict[str, Any]]:
        """Every body, checked with the standardwebhooks library (raises on a bad one)."""
        return [Webhook(secret).verify(r.body, r.headers) for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with state.lock:
                state.requests.append(Received(self.path, dict(self.headers.items()), body))
                code = state.answers.pop(0) if state.answers else 200
            self.send_response(code)
            if 300 <= code < 400:
                self.send_header("Location", state.location)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def editor(db) -> User:
    ensure_role_groups()
    user = User.objects.create_user("edna", "edna@example.org", None,
                                    is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR))
    return user


def make_endpoint(url: str, *, actor: Any, events: list[str] | None = None,
                  scope: str = WebhookEndpoint.Scope.PUBLIC,
                  statement: Statement | None = None) -> WebhookEndpoint:
    return actions.do_create_endpoint(WebhookEndpoint(
        name="CRM", url=url, statement=statement, scope=scope,
        events=events if events is not None else [value for value, _ in Event.choices]),
        actor=actor)


def confirmed(statement: Statement, *, name: str = "Ana Lima", email: str = "ana@example.org",
              show_name: bool = True, wants_contact: bool = False,
              kind: str = Signature.Kind.INDIVIDUAL, organisation: str = "") -> Signature:
    """A sign-on confirmed by its signer through the action the confirmation link calls."""
    signature = Signature.objects.create(
        statement=statement, kind=kind, name=name, email=email, show_name=show_name,
        wants_contact=wants_contact, organisation_name=organisation, country="Brazil",
        language="en")
    return signature_actions.do_confirm(signature)
