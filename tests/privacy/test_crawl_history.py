"""docs/security.md, invariant 1, on the pages of issue 17's first part: a statement's history
(its revisions and their diffs), "Updated on …" and the lists that mark who signed an earlier
text. They show the statement's text and the names already public, nothing else: no email, no
IP or user agent or anything derived from them, no hidden organisation, no count-only name.

The signers are seeded as tests/privacy/test_crawl.py seeds them (through the real forms and
directly, every status and visibility), all before the text changes, so that the lists mark
them; then the crawl starts from the home pages and must reach every history page.
"""

from __future__ import annotations

import pytest
from django.test import Client

import signatures.public
from signatures.models import Signature
from statements.actions import do_save_statement, record_revisions
from statements.models import Statement, Translation
from tests.conftest import make_statement
from tests.crawling import crawl
from tests.privacy.test_crawl import (
    IPS,
    NEVER_SHOWN,
    USER_AGENT,
    post_through_the_forms,
    secrets_to_find,
    seed_directly,
    seed_hidden_organisations,
)


def publish_a_change(statement: Statement, **fields: str) -> None:
    for name, value in fields.items():
        setattr(statement, name, value)
    do_save_statement(statement, actor=None, created=False)


@pytest.mark.django_db
def test_history_pages_and_marks_reveal_nobody(monkeypatch) -> None:
    monkeypatch.setattr(signatures.public, "PAGE_SIZE", 3)
    statement = make_statement("open-letter", body="We ask for clean water.",
                               signature_moderation="none", comment_moderation="none",
                               show_signed_revision=True)
    Translation.objects.create(statement=statement, language="ar", kind="community",
                               title="رسالة مفتوحة", body="نطالب بمياه نظيفة.")
    Translation.objects.create(statement=statement, language="es", title="Carta abierta",
                               body="Pedimos agua limpia.")
    record_revisions(statement, actor=None)
    post_through_the_forms(statement, monkeypatch)
    seed_directly(statement)
    seed_hidden_organisations(statement)
    # The text changes after they signed: every history has a diff, the lists mark them.
    publish_a_change(statement, body="We ask for clean water, now and for good.",
                     title="Open letter on water")
    Translation.objects.filter(statement=statement, language="es").update(
        body="Pedimos agua limpia, ahora y para siempre.")
    Translation.objects.filter(statement=statement, language="ar").update(
        body="نطالب بمياه نظيفة الآن.")
    publish_a_change(statement)
    assert Signature.objects.filter(status="visible", show_name=True).exists()

    anonymous = Client(REMOTE_ADDR=IPS[0], HTTP_USER_AGENT=USER_AGENT)
    pages = crawl(anonymous, ["/", "/en/", "/es/",
                              # Refused comparisons answer too, and must not leak either.
                              "/en/s/open-letter/history/en/?to=99",
                              "/es/s/open-letter/history/?from=2&to=1"])

    history = [path for path, (status, _) in pages.items()
               if status == 200 and "/history/" in path]
    for language in ("en", "es", "ar"):
        assert any(f"/history/{language}/" in path for path in history), (language, history)
    assert any("?to=1" in path for path in history)  # each revision's own page
    everything = "\n".join(text for _status, text in pages.values())
    assert "signed an earlier text" in everything and "firmó un texto anterior" in everything
    assert "Updated on" in everything

    secrets = secrets_to_find()
    leaks = [(path, secret) for path, (_status, text) in pages.items() for secret in secrets
             if secret in text.lower()]
    assert leaks == []
    shown = [(path, name) for path, (_status, text) in pages.items() for name in NEVER_SHOWN
             if name.lower() in text.lower()]
    assert shown == []
    # The history pages themselves name no signer at all, shown or not.
    for path in history:
        text = pages[path][1]
        assert "Signer Person" not in text and "Direct Signer" not in text, path
