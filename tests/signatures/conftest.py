"""Helpers for the sign-on tests: a valid form post, the mails' links, staff clients."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from core import protection
from core.roles import EDITOR, MODERATOR
from signatures.models import Signature
from statements.models import Statement

LINK = re.compile(r"https?://\S+/signature/(confirm|manage)/(\S+?)/")


def valid_token(statement: Statement) -> str:
    """A token from the previous window: old enough for the minimum fill time."""
    return protection.form_token("sign", statement.pk,
                                 now=time.time() - protection.TOKEN_WINDOW_SECONDS)


def sign_data(statement: Statement, **fields: Any) -> dict[str, Any]:
    data = {"kind": "individual", "name": "Ana Lima", "organisation": "", "role": "",
            "country": "Brazil", "email": "ana@example.org", "show_name": "on", "comment": "",
            "fax": "", "form_token": valid_token(statement)}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def post_sign(client: Client, statement: Statement, language: str = "en",
              ip: str = "203.0.113.7", **fields: Any):
    return client.post(f"/{language}/sign/{statement.slug}/", sign_data(statement, **fields),
                       REMOTE_ADDR=ip)


def links(text: str) -> dict[str, str]:
    """{"confirm": path, "manage": path} from a mail body."""
    found = {}
    for match in LINK.finditer(text):
        url = match.group(0)
        found[match.group(1)] = url[url.index("/", url.index("//") + 2):]
    return found


def mail_links(mailbox: Any, address: str, index: int = -1) -> dict[str, str]:
    return links(mailbox.text(mailbox.to(address)[index]))


@pytest.fixture
def signed(anon, statement, mailbox, tasks):
    """Sign, deliver the mail, return (signature, links)."""
    def run(email: str = "ana@example.org", **fields: Any) -> tuple[Signature, dict[str, str]]:
        response = post_sign(anon, statement, email=email, **fields)
        assert response.status_code == 303, response.content[:500]
        tasks()
        return (Signature.objects.get(statement=statement, email=email.strip().lower()),
                mail_links(mailbox, email.strip().lower()))
    return run


def confirm(client: Client, link: str):
    return client.post(link, REMOTE_ADDR="203.0.113.7")


def _staff(username: str, role: str | None, **extra: Any) -> User:
    user = User.objects.create_user(username, password="not-used-here", is_staff=True, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def editor_client(db) -> Client:
    client = Client()
    client.force_login(_staff("edna", EDITOR))
    return client


@pytest.fixture
def moderator_client(db) -> Client:
    client = Client()
    client.force_login(_staff("mo", MODERATOR))
    return client
