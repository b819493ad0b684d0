"""The privacy crawl over the API (docs/security.md, invariant 1): seeded as the site-wide crawl
seeds (real forms with known addresses, IPs and user agents; every status and visibility; every
way an organisation is hidden), with every signer agreeing to be contacted, the crawler follows
every link of every JSON answer from /api/v1/ — each page of each list, each petition, each
signature — anonymously and with a ``read`` token. No address or derivative, IP or hash, user
agent, count-only name, hidden organisation or representative may appear."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

import pytest
from django.test import Client

import comments.public
import signatures.public
from api.tokens import HEADER, Scope, make_token
from signatures.models import Signature
from tests.conftest import make_statement
from tests.crawling import own_path
from tests.privacy.test_crawl import (
    IPS,
    NEVER_SHOWN,
    USER_AGENT,
    post_through_the_forms,
    secrets_to_find,
    seed_directly,
    seed_hidden_organisations,
)


def hrefs(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["href"]] if isinstance(value.get("href"), str) else []
        return found + [h for item in value.values() for h in hrefs(item)]
    if isinstance(value, list):
        return [h for item in value for h in hrefs(item)]
    return []


def crawl_api(client: Client, start: list[str], **extra: Any) -> dict[str, tuple[int, str]]:
    seen: dict[str, tuple[int, str]] = {}
    queue = deque(start)
    while queue and len(seen) < 800:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path, **extra)
        headers = "\n".join(f"{k}: {v}" for k, v in response.items())
        text = response.content.decode("utf-8", "replace")
        seen[path] = (response.status_code, headers + "\n" + text)
        if response["Content-Type"].startswith("application/hal+json"):
            for href in hrefs(json.loads(text)):
                found = own_path(href)
                if found and found.startswith("/api/v1/"):
                    queue.append(found)
    return seen


@pytest.mark.django_db
def test_no_api_answer_reveals_who_signed(monkeypatch) -> None:
    monkeypatch.setattr(signatures.public, "PAGE_SIZE", 3)
    monkeypatch.setattr(comments.public, "PAGE_SIZE", 2)
    statement = make_statement("open-letter", signature_moderation="none",
                               comment_moderation="none")
    make_statement("second-statement", title="Second", issuers=("Lake Friends",))
    post_through_the_forms(statement, monkeypatch)
    seed_directly(statement)
    seed_hidden_organisations(statement)
    Signature.objects.update(wants_contact=True, referrer="secret-referrer-source")
    _token, read_only = make_token(name="Partner site", scopes={Scope.READ})
    start = ["/api/v1/", f"/api/v1/petitions/{statement.pk}/signatures?per_page=2",
             "/api/v1/people", "/api/v1/petitions/999999", "/api/v1/nowhere",
             f"/api/v1/petitions/{statement.pk}/signatures?after=garbage"]
    start += [f"/api/v1/petitions/{statement.pk}/signatures/{pk}/"[:-1]
              for pk in Signature.objects.values_list("pk", flat=True)]
    start += [f"/api/v1/people/{pk}" for pk in Signature.objects.values_list("pk", flat=True)]
    anonymous = crawl_api(Client(REMOTE_ADDR=IPS[0], HTTP_USER_AGENT=USER_AGENT), start)
    with_read = crawl_api(Client(REMOTE_ADDR=IPS[1]), start, headers={HEADER: read_only})

    for pages, refused in ((anonymous, 401), (with_read, 403)):
        ok = [path for path, (status, _text) in pages.items() if status == 200]
        assert any("after=" in path for path in ok), "paging was not reached"
        assert any("/signatures/" in path for path in ok)
        assert {refused, 404} <= {status for status, _text in pages.values()}
        secrets = [*secrets_to_find(), "secret-referrer-source"]
        leaks = [(path, secret) for path, (_status, text) in pages.items()
                 for secret in secrets if secret.lower() in text.lower()]
        assert leaks == []
        # Nor the private fields themselves (the OpenAPI description names them, as it must).
        fields = [(path, field) for path, (_status, text) in pages.items()
                  for field in ("email_addresses", "osdi:person", "referrer_data")
                  if field in text and not path.endswith("openapi.json")]
        assert fields == []
        shown = [(path, name) for path, (_status, text) in pages.items()
                 for name in NEVER_SHOWN if name.lower() in text.lower()]
        assert shown == []
        everything = "\n".join(text for _status, text in pages.values())
        assert "Signer Person 1" in everything and "Direct Signer" in everything
