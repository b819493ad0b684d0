"""CSV exports for delivering the list: streamed row by row, constant memory, safe to open in
a spreadsheet (cells that a spreadsheet would run as a formula are neutralised).

Made to open correctly in spreadsheet programs (docs/delivery.md, "The CSV export"): UTF-8 with
a byte order mark (Excel reads a file without one in the machine's legacy code page and garbles
every accent; LibreOffice, Numbers and Google Sheets read the mark and drop it), times to the
second in ISO 8601 in the site's time zone (``UNDERSIGNED_TIME_ZONE``) with its offset, and
column names in the language of the editor who exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from core import audit
from core.responses import private
from signatures.models import Signature
from statements.models import Statement

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000

PUBLIC_COLUMNS = ["kind", "name", "organisation", "role", "country", "comment", "confirmed_at"]
EDITOR_COLUMNS = [*PUBLIC_COLUMNS, "email", "show_name", "status", "revision", "source",
                  "contact", "referrer"]
# What the header row says for each column, in the exporting editor's language.
COLUMN_NAMES = {
    "kind": _("Kind"), "name": _("Name"), "organisation": _("Organisation"), "role": _("Role"),
    "country": _("Country"), "comment": _("Comment"), "confirmed_at": _("Confirmed at"),
    "email": _("Email"), "show_name": _("Name shown"), "status": _("Status"),
    "revision": _("Revision signed"), "source": _("Source"),
    # The consent of issue 18: only these signers agreed to be contacted by the coalition.
    "contact": _("May be contacted by the coalition"), "referrer": _("Referred by"),
}
# Excel takes a file without it for its legacy code page; every other program drops it.
BOM = "\ufeff"


def header(columns: list[str]) -> list[str]:
    """The header row in the active language."""
    return [str(COLUMN_NAMES[column]) for column in columns]


def spreadsheet_time(value: datetime | None) -> str:
    """ISO 8601 to the second in the site's time zone, with its offset: a spreadsheet reads
    it, and nobody needs the microseconds."""
    if value is None:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def neutralise(value: Any) -> str:
    """A leading quote makes a spreadsheet show the cell as text instead of running it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


_INDIVIDUAL = Signature.Kind.INDIVIDUAL
_FIELDS = ["kind", "name", "organisation__name", "organisation_name", "role", "country",
           "comment", "comment_approved", "confirmed_at"]
_EDITOR_FIELDS = ["email", "show_name", "status", "revision__number", "source",
                  "wants_contact", "referrer"]


def _row(values: tuple, with_emails: bool) -> list[str]:
    (kind, name, linked_name, organisation_name, role, country, comment, comment_approved,
     confirmed_at, *editor) = values
    # For an organisation the person who signed for it (name and role) is never public: the
    # editors' export names them, the public one holds what the public list shows.
    person = with_emails or kind == _INDIVIDUAL
    row = [kind, name if person else "", linked_name or organisation_name,
           role if person else "", country, comment if comment_approved or with_emails else "",
           spreadsheet_time(confirmed_at)]
    if with_emails:
        email, show_name, status, revision_number, source, wants_contact, referrer = editor
        row += [email, "yes" if show_name else "no", status,
                "" if revision_number is None else str(revision_number), source,
                "yes" if wants_contact else "no", referrer]
    return [neutralise(cell) for cell in row]


def export_rows(statement: Statement, *, with_emails: bool) -> Iterator[list[str]]:
    queryset = Signature.objects.filter(statement=statement)
    if with_emails:
        queryset = queryset.filter(status__in=[Signature.Status.VISIBLE, Signature.Status.HELD])
    else:
        # The public export holds what the public list shows: visible and named.
        queryset = queryset.visible().named()
    fields = _FIELDS + (_EDITOR_FIELDS if with_emails else [])
    yield header(EDITOR_COLUMNS if with_emails else PUBLIC_COLUMNS)
    # Plain tuples of only the exported columns: no model instances for a million rows.
    rows = queryset.order_by("kind", "confirmed_at", "id").values_list(*fields)
    for values in rows.iterator(chunk_size=CHUNK):
        yield _row(values, with_emails)


def _csv_chunks(rows: Iterator[list[str]]) -> Iterator[str]:
    """A few thousand rows per chunk written by one csv writer: far fewer, larger writes. The
    first chunk starts with the byte order mark."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    for count, row in enumerate(rows, 1):
        writer.writerow(row)
        if count % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_response(statement: Statement, actor: Any, *, with_emails: bool
                    ) -> StreamingHttpResponse:
    """Log the export (who, when, which), then stream it."""
    audit.record(actor, "signature.export_emails" if with_emails else "signature.export",
                 statement, statement=statement.pk)
    stream = _csv_chunks(export_rows(statement, with_emails=with_emails))
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    suffix = "-with-emails" if with_emails else ""
    name = f"{slugify(statement.slug)[:60] or 'statement'}-signatures{suffix}-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return private(response)
