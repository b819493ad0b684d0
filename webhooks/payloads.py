"""The body of each delivery, in Action Network's shape: a JSON array of one object keyed by the
resource's curie (``osdi:signature``, ``osdi:petition``, ``undersigned:comment``), beside
``undersigned:event`` naming what happened.

Built when the row is delivered, from the record as it is then — never when the event
happened. A withdrawal erases the signer's name and address from the row at once; a payload
built earlier and kept for a retry would carry them to the receiver a day later. Built late, a
retried "signature confirmed" for a signer who withdrew meanwhile carries no name, and a
statement sent back to draft shows nothing of its text (docs/webhooks.md).

Signatures and petitions are the API's own representations (``api.representations``): one
place decides what is public. What the API has no resource for is built here from the same
rules: the comment (only while it is shown under a public statement) and, for an endpoint with
private scope, the signer's address (only of a signer who agreed to be contacted).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from api import representations
from comments.models import Comment
from signatures.models import Signature, SignatureCounter
from statements.models import Statement
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint

SIGNATURE_EVENTS = (Event.SIGNATURE_CONFIRMED, Event.SIGNATURE_WITHDRAWN)
STATEMENT_EVENTS = (Event.STATEMENT_PUBLISHED, Event.STATEMENT_CHANGED)


def _gone(kind: str, pk: int, status: str) -> dict[str, Any]:
    """What is said of a record that no longer exists or is no longer shown: its id only."""
    return {"identifiers": [representations.identifier(kind, pk)], "undersigned:status": status}


def signature_resource(row: Signature | None, pk: int, statement: Statement | None, *,
                       private: bool) -> dict[str, Any]:
    if row is None or statement is None:
        return _gone("signature", pk, "erased")
    resource = representations.signature(
        row, private=private, comments_shown=statement.show_signature_comments)
    if not statement.is_public:  # back to draft: its list is shown nowhere
        resource["undersigned:status"] = "counted"
        resource["undersigned:display"] = {}
        resource.pop("comments", None)
    if row.status == Signature.Status.WITHDRAWN:
        resource["undersigned:status"] = "withdrawn"
    if private and row.wants_contact and row.email and \
            row.status != Signature.Status.WITHDRAWN:
        # Only the address: a signer counted without their name stays nameless here too.
        resource["person"] = {"email_addresses": [{"address": row.email, "primary": True}]}
    return resource


def comment_resource(comment: Comment | None, pk: int) -> dict[str, Any]:
    if comment is None or comment.status != Comment.Status.VISIBLE or \
            not comment.statement.is_public:
        return _gone("comment", pk, "removed")
    statement = comment.statement
    return {
        "identifiers": [representations.identifier("comment", comment.pk)],
        "created_date": representations.date(comment.created_at),
        "modified_date": representations.date(comment.edited_at or comment.created_at),
        "undersigned:status": "published",
        "author": {"name": comment.name},
        "body": comment.body,
        "description": comment.body_html,
        "in_reply_to": (representations.identifier("comment", comment.parent_id)
                        if comment.parent_id else None),
        "browser_url": representations.api_url(statement.get_absolute_url())
        + f"#comment-{comment.pk}",
        "_links": {"osdi:petition": {
            "href": representations.api_url(reverse("api:petition", args=[statement.pk]))}},
    }


def petition_resource(statement: Statement | None, pk: int, total: int) -> dict[str, Any]:
    if statement is None:
        return _gone("petition", pk, "deleted")
    if not statement.is_public:
        return _gone("petition", pk, "draft")
    return representations.petition(statement, total_signatures=total)


def bodies(rows: Iterable[WebhookDelivery]) -> dict[int, bytes]:
    """The body of each row, by row id: a few queries for the whole batch."""
    rows = list(rows)
    wanted: dict[str, set[int]] = {"signature": set(), "comment": set(), "statement": set()}
    for row in rows:
        kind = ("signature" if row.event in SIGNATURE_EVENTS else
                "comment" if row.event == Event.COMMENT_PUBLISHED else "statement")
        wanted[kind].add(row.object_id)
    signatures = Signature.objects.in_bulk(wanted["signature"]) if wanted["signature"] else {}
    comments = (Comment.objects.select_related("statement").in_bulk(wanted["comment"])
                if wanted["comment"] else {})
    statement_ids = wanted["statement"] | {s.statement_id for s in signatures.values()}
    statements = Statement.objects.in_bulk(statement_ids) if statement_ids else {}
    totals = {counter.pk: counter.total for counter in
              SignatureCounter.objects.filter(statement_id__in=wanted["statement"])}
    result = {}
    for row in rows:
        private = row.endpoint.scope == WebhookEndpoint.Scope.PRIVATE
        item: dict[str, Any]
        if row.event in SIGNATURE_EVENTS:
            signature = signatures.get(row.object_id)
            item = {"osdi:signature": signature_resource(
                signature, row.object_id,
                statements.get(signature.statement_id) if signature else None,
                private=private)}
        elif row.event == Event.COMMENT_PUBLISHED:
            item = {"undersigned:comment": comment_resource(comments.get(row.object_id),
                                                            row.object_id)}
        else:
            item = {"osdi:petition": petition_resource(
                statements.get(row.object_id), row.object_id, totals.get(row.object_id, 0))}
        item["undersigned:event"] = row.event
        result[row.pk] = json.dumps([item], ensure_ascii=False,
                                    separators=(",", ":")).encode("utf-8")
    return result
