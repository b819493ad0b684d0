"""Builders for the records whose privacy these tests check."""

from __future__ import annotations

from django.utils import timezone

from comments.models import Comment, email_key
from core.addresses import mailbox
from signatures.models import Signature
from statements.models import Statement


def make_signature(statement: Statement, email: str, *, status: str = "visible", name: str = "Ana Example",
                   show_name: bool = True, kind: str = "individual", ip_hash: str = "f" * 32,
                   comment: str = "", **fields) -> Signature:
    return Signature.objects.create(
        statement=statement, email=email, status=status, name=name, show_name=show_name,
        kind=kind, ip_hash=ip_hash, comment=comment, country="Peru",
        organisation_name=fields.pop("organisation_name", "River Keepers" if kind == "organisation" else ""),
        confirmed_at=timezone.now() if status != "unconfirmed" else None, **fields)


def make_comment(statement: Statement, email: str, *, status: str = "visible", name: str = "Ana",
                 body: str = "We stand with you.", ip_hash: str = "e" * 32, parent: Comment | None = None,
                 **fields) -> Comment:
    return Comment.objects.create(
        # Stored as the write path stores it (core.addresses.mailbox; comments/migrations/0002).
        statement=statement, email=mailbox(email), email_key=email_key(email), status=status, name=name,
        body=body, body_html=f"<p>{body}</p>", ip_hash=ip_hash, parent=parent,
        root=parent.root or parent if parent else None, depth=parent.depth + 1 if parent else 1,
        listed=status == "visible", **fields)

