"""CSV exports for delivering the list: streamed row by row, constant memory, safe to open in
a spreadsheet (cells that a spreadsheet would run as a formula are neutralised)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from core import audit
from signatures.models import Signature
from statements.models import Statement

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000

PUBLIC_COLUMNS = ["kind", "name", "organisation", "role", "country", "comment", "confirmed_at"]
EDITOR_COLUMNS = [*PUBLIC_COLUMNS, "email", "show_name", "status", "revision", "source"]


def neutralise(value: Any) -> str:
    """A leading quote makes a spreadsheet show the cell as text instead of running it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _row(signature: Signature, with_emails: bool) -> list[str]:
    organisation = (signature.organisation.name if signature.organisation_id
                    else signature.organisation_name)
    row = [signature.kind,
           signature.name if signature.kind == Signature.Kind.INDIVIDUAL else "",
           organisation, signature.role, signature.country,
           signature.comment if signature.comment_approved or with_emails else "",
           signature.confirmed_at.isoformat() if signature.confirmed_at else ""]
    if with_emails:
        row += [signature.email, "yes" if signature.show_name else "no", signature.status,
                str(signature.revision.number) if signature.revision_id else "",
                signature.source]
    return [neutralise(cell) for cell in row]


def export_rows(statement: Statement, *, with_emails: bool) -> Iterator[list[str]]:
    queryset = Signature.objects.filter(statement=statement).select_related(
        "organisation", "revision")
    if with_emails:
        queryset = queryset.filter(status__in=[Signature.Status.VISIBLE, Signature.Status.HELD])
    else:
        # The public export holds what the public list shows: visible and named.
        queryset = queryset.visible().named()
    yield EDITOR_COLUMNS if with_emails else PUBLIC_COLUMNS
    for signature in queryset.order_by("kind", "confirmed_at", "id").iterator(chunk_size=CHUNK):
        yield _row(signature, with_emails)


def export_response(statement: Statement, actor: Any, *, with_emails: bool
                    ) -> StreamingHttpResponse:
    """Log the export (who, when, which), then stream it."""
    audit.record(actor, "signature.export_emails" if with_emails else "signature.export",
                 statement, statement=statement.pk)
    writer = csv.writer(_Echo())
    stream = (writer.writerow(row) for row in export_rows(statement, with_emails=with_emails))
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    suffix = "-with-emails" if with_emails else ""
    name = f"{slugify(statement.slug)[:60] or 'statement'}-signatures{suffix}-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
