"""Helpers for the comment tests: a valid form post, permissive limits unless a test lowers
them, and no minimum fill time unless a test checks it."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from comments.models import Comment, ModerationSettings
from comments.public import FORM_PURPOSE
from core import protection
from pages import store as pagecache
from statements.models import Statement


@pytest.fixture(autouse=True)
def _quick_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(protection, "MIN_FILL_SECONDS", 0)


@pytest.fixture(autouse=True)
def _generous_limits(db) -> ModerationSettings:
    site = ModerationSettings.current()
    for field in ("per_ip_per_minute", "per_ip_per_hour", "per_address_per_minute",
                  "per_address_per_hour", "per_statement_per_minute", "site_per_minute"):
        setattr(site, field, 10_000)
    site.save()
    return site


@pytest.fixture
def open_statement(db) -> Statement:
    from tests.conftest import make_statement
    return make_statement("open-talk", comment_moderation=Statement.CommentModeration.NONE)


def form_data(statement: Statement, **fields: Any) -> dict[str, Any]:
    # A token from the previous window: old enough for the minimum fill time wherever the
    # clock stands in the current one (tests outside this folder keep the real minimum).
    token = protection.form_token(FORM_PURPOSE, statement.pk,
                                  now=time.time() - protection.TOKEN_WINDOW_SECONDS)
    data = {"name": "Amina", "email": "amina@example.org", "website": "", "body": "Solidarity.",
            protection.TOKEN_FIELD: token}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def post(client: Client, statement: Statement, **fields: Any):  # noqa: ANN201
    extra = fields.pop("headers", {})
    return client.post(f"/en/comments/{statement.pk}/", form_data(statement, **fields), **extra)


def post_ok(client: Client, statement: Statement, **fields: Any) -> Comment:
    response = post(client, statement, **fields)
    assert response.status_code == 303, response.content.decode()[:2000]
    return Comment.objects.latest("id")


def page(client: Client, statement: Statement, query: str = "") -> str:
    """The public statement page. The cache's per-process copy of the generations lags up to a
    second by design; tests skip that lag, the shared generations still decide."""
    pagecache.clear_local()
    response = client.get(f"/en/s/{statement.slug}/{query}")
    assert response.status_code == 200
    return response.content.decode()
