"""Commenters' addresses are stored in the mailbox form signatures already use (trimmed, NFC,
lower case: ``core.addresses.mailbox``), so that "the comments of this mailbox" is an indexed
equality instead of a comparison made in Python. Their keys (``email_key``, the wide rule for
bans and approvals) do not change: the wide rule gives the same key for both spellings.

Reversing keeps the stored form: the original spelling of an address's case is not kept
anywhere, and nothing needs it (mail is delivered to the same mailbox)."""

import unicodedata

from django.db import migrations


def mailbox(address: str) -> str:  # core.addresses.mailbox as of this migration
    return unicodedata.normalize("NFC", address or "").strip().lower()


def store_mailboxes(apps, schema_editor):  # noqa: ANN001, ANN201
    Comment = apps.get_model("comments", "Comment")
    changed = []
    for comment in Comment.objects.exclude(email="").only("id", "email").iterator(chunk_size=2000):
        if comment.email != mailbox(comment.email):
            comment.email = mailbox(comment.email)
            changed.append(comment)
        if len(changed) >= 2000:
            Comment.objects.bulk_update(changed, ["email"])
            changed = []
    Comment.objects.bulk_update(changed, ["email"])


class Migration(migrations.Migration):
    dependencies = [("comments", "0001_initial")]

    operations = [migrations.RunPython(store_mailboxes, migrations.RunPython.noop)]
