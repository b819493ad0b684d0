"""comments/migrations/0002: commenters' addresses stored as typed become mailboxes (trimmed,
NFC, lower case), so that a data-rights request finds them by an indexed equality; their keys
for bans and approvals stay what they were."""

from __future__ import annotations

import unicodedata

import pytest

from comments.models import Comment, email_key
from tests.conftest import make_statement
from tests.migrations import migrate

pytestmark = pytest.mark.django_db(transaction=True)  # the schema editor needs it (SQLite)

BEFORE = ("comments", "0001_initial")


def test_stored_addresses_become_mailboxes_and_keep_their_keys() -> None:
    statement_pk = make_statement().pk
    decomposed = unicodedata.normalize("NFD", "José@Example.org")
    typed = {"  Ana@Example.ORG ": "ana@example.org", decomposed: "josé@example.org",
             "": ""}
    apps = migrate(BEFORE)
    try:
        Old = apps.get_model("comments", "Comment")
        ids = {Old.objects.create(statement_id=statement_pk, name="N", body="b", email=address,
                                  email_key=email_key(address) if address else "",
                                  status="visible").pk: address for address in typed}
    finally:
        migrate()
    for pk, address in ids.items():
        comment = Comment.objects.get(pk=pk)
        assert comment.email == typed[address]
        assert comment.email_key == (email_key(typed[address]) if address else "")
    # What the data-rights page asks for is now found by equality.
    assert Comment.objects.of_mailbox("ANA@example.org ").count() == 1
