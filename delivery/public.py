"""What the public sees of a statement's deliveries: the line on its page, the page listing
them with their SHA-256, and the answer to "is my copy the file delivered?"."""

from __future__ import annotations

from django.db.models import QuerySet

from delivery.models import Delivery
from statements.models import Statement

# The statement page names the latest few; its deliveries page lists them all.
SUMMARY_SIZE = 3


def deliveries(statement: Statement) -> QuerySet[Delivery]:
    return Delivery.objects.filter(statement=statement).order_by("-delivered_on", "-id")


def summary(statement: Statement) -> list[Delivery]:
    return list(deliveries(statement)[:SUMMARY_SIZE + 1])


def matching(statement: Statement, sha256: str) -> list[Delivery]:
    """The deliveries of this statement whose file has this SHA-256."""
    return list(deliveries(statement).filter(sha256=sha256))
