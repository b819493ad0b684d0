"""Helpers for the delivery tests: signatories of every kind, editors, an isolated PDF store."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from signatures import actions
from signatures.models import Signature
from statements.models import Statement


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path) -> None:
    """Kept PDFs live under the data directory: one per test."""
    settings.DATA_DIR = tmp_path / "data"


def sign(statement: Statement, name: str, *, kind: str = "individual", n: int = 0,
         status: str = Signature.Status.VISIBLE, **fields: Any) -> Signature:
    """A signature as the intake leaves it, then approved like a moderator would (counters
    kept by the action)."""
    signature = Signature.objects.create(
        statement=statement, kind=kind, name=name, email=f"signer{n}@example.org",
        status=Signature.Status.HELD, confirmed_at=timezone.now(), **fields)
    if status == Signature.Status.VISIBLE:
        actions.do_approve(Signature.objects.filter(pk=signature.pk), actor=None)
    elif status != Signature.Status.HELD:
        Signature.objects.filter(pk=signature.pk).update(status=status)
    signature.refresh_from_db()
    return signature


def staff_client(username: str, role: str | None) -> Client:
    user = User.objects.create_user(username, password="not-used-here", is_staff=True)
    if role:
        user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()
