"""Generate the benchmark's data into the (throwaway) data directory of the environment.

Usage: python bench/generate.py SLUG SIGNATURES [COMMENTS]

Uses the real models of signatures/ and comments/ as they are: every concrete column is filled
from the model's own defaults unless the generator sets it, and rows go in with one prepared
INSERT per batch (executemany), which is what makes a million signatures take seconds, not
minutes. Counters are then reconciled by the sign-on app's own code. Comments are few and go
through the comments app's own action (``make_comments``), so that they are published as on
the site and the statement page shows them.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from statements.models import Category, Organisation, Statement, StatementIssuer  # noqa: E402

BATCH = 20_000
COUNTRIES = ["Mexico", "Chile", "Spain", "Kenya", "India", "France", "Brazil", "Canada"]
BODY = "\n\n".join(
    f"Paragraph {n}: we, the undersigned, call on every government to protect water as a "
    f"common good, to stop privatisation and to listen to the communities that live by it."
    for n in range(12))


def _fallback(field: models.Field) -> Callable[[], Any]:
    """What a column gets when the generator does not set it: the model's own default."""
    now = timezone.now()
    if field.has_default():
        default = field.default
        return default if callable(default) else (lambda: default)
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda: now
    if field.null:
        return lambda: None
    if isinstance(field, models.BooleanField):
        return lambda: False
    if isinstance(field, (models.IntegerField, models.FloatField, models.DecimalField)):
        return lambda: 0
    if isinstance(field, (models.DateTimeField, models.DateField)):
        return lambda: now
    return lambda: ""


def bulk_insert(model: type[models.Model], rows: Iterator[dict[str, Any]], total: int) -> None:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Table and column names come from the model, quoted by the backend; values are parameters.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
    first = next(rows)
    # One preparation function per column, chosen once: constants are prepared once, plain
    # strings, numbers and booleans go as they are, only dates go through the backend.
    makers: list[Callable[[dict[str, Any]], Any]] = []
    for field in fields:
        is_date = isinstance(field, models.DateTimeField)
        if field.attname in first:
            name = field.attname
            if is_date:
                makers.append(lambda row, f=field, n=name: f.get_db_prep_save(row[n], connection))
            else:
                makers.append(lambda row, n=name: row[n])
        elif field.has_default() and callable(field.default):
            makers.append(lambda row, f=field: f.get_db_prep_save(f.default(), connection))
        else:
            constant = field.get_db_prep_save(_fallback(field)(), connection)
            makers.append(lambda row, c=constant: c)
    batch: list[tuple] = []
    done = 0
    started = time.monotonic()
    with connection.cursor() as cursor:
        for row in itertools.chain([first], rows):
            batch.append(tuple(make(row) for make in makers))
            if len(batch) >= BATCH:
                with transaction.atomic():
                    cursor.executemany(sql, batch)
                done += len(batch)
                batch.clear()
                if done % 200_000 == 0:
                    print(f"  {model.__name__}: {done:,}/{total:,} "
                          f"({time.monotonic() - started:.0f} s)", flush=True)
        if batch:
            with transaction.atomic():
                cursor.executemany(sql, batch)


def make_statement(slug: str) -> Statement:
    category, _ = Category.objects.get_or_create(slug="opinion", defaults={"name": "Opinion"})
    statement = Statement.objects.filter(slug=slug).first()
    if statement is None:
        statement = Statement.objects.create(
            slug=slug, title=f"Water is life ({slug})", language="en",
            summary="A statement for the benchmark.", body=BODY,
            status=Statement.Status.PUBLISHED, published_at=timezone.now(), category=category)
        for position, name in enumerate(("River Keepers", "El Buho Collective")):
            organisation, _ = Organisation.objects.get_or_create(
                slug=name.lower().replace(" ", "-"), defaults={"name": name})
            StatementIssuer.objects.create(statement=statement, organisation=organisation,
                                           position=position)
    # Every comment is accepted as soon as it is posted: the benchmark measures the write path.
    if hasattr(statement, "comment_moderation"):
        Statement.objects.filter(pk=statement.pk).update(comment_moderation="none")
    return statement


def signature_rows(statement: Statement, count: int) -> Iterator[dict[str, Any]]:
    from signatures.models import Signature

    start = timezone.now() - timedelta(days=3)
    fields = {f.attname for f in Signature._meta.concrete_fields}
    for i in range(count):
        organisation = i % 50 == 0
        name = f"Person {i:07d}"
        row = {
            "statement_id": statement.pk,
            "kind": "organisation" if organisation else "individual",
            "status": "visible",
            "name": name,
            "organisation_name": f"Organisation {i:07d}" if organisation else "",
            "role": "Coordinator" if organisation else "",
            "country": COUNTRIES[i % len(COUNTRIES)],
            "email": f"bench{i:07d}@example.org",
            "show_name": organisation or i % 10 != 0,
            "confirmed_at": start + timedelta(milliseconds=i * 200),
            "created_at": start + timedelta(milliseconds=i * 200),
        }
        if "sort_name" in fields:
            row["sort_name"] = (row["organisation_name"] or name).lower()
        yield {k: v for k, v in row.items() if k in fields}


def make_comments(statement: Statement, count: int) -> int:
    """``count`` published comments, made as the site makes them: posted through
    ``comments.actions.do_post_comment`` (body rendered and sanitised, thread root, depth and
    ``listed`` set, the page's generation bumped), and any the rules hold approved at once
    through ``do_approve``, as a moderator would. Rows written straight into the table (as
    before) were never ``listed``: the page said "No comments yet" under a benchmark that
    claimed 200.

    A third are replies (to comment ``i // 3``), so threads nest as a real discussion's do;
    the text varies as people's does (bench/text.py), so that the page's gzip weight is honest.
    Comments already on the statement count towards ``count``."""
    from bench.text import comment_body
    from comments import actions
    from comments.models import Comment

    statement.refresh_from_db()  # the moderation policy set above with update()
    made = list(Comment.objects.filter(statement=statement).listed()
                .order_by("id").values_list("pk", flat=True))
    for i in range(len(made), count):
        parent_id = made[i // 3] if i % 3 == 2 else None
        comment = actions.do_post_comment(statement, actions.NewComment(
            name=f"Commenter {i}", email=f"c{i}@example.org", website="",
            body=comment_body(i), parent_id=parent_id), ip_hash="", language="en")
        if comment.status == Comment.Status.HELD:  # replies need a published parent
            actions.do_approve("bench/generate.py", [comment])
        made.append(comment.pk)
    listed = Comment.objects.filter(statement=statement).listed().count()
    if listed < count:
        raise SystemExit(f"{statement.slug}: only {listed} of {count} generated comments are "
                         "published (moderation rules?)")
    return listed


def main() -> None:
    slug, signatures = sys.argv[1], int(sys.argv[2])
    comments = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    started = time.monotonic()
    statement = make_statement(slug)
    from signatures.models import Signature

    existing = Signature.objects.filter(statement=statement).count()
    if existing < signatures:
        bulk_insert(Signature, signature_rows(statement, signatures), signatures)
    made = make_comments(statement, comments) if comments else 0
    try:
        from signatures.actions import reconcile_counts

        reconcile_counts([statement])
    except ImportError:
        pass
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from statements.pages import statement_changed

    statement_changed(statement.pk)
    print(f"{slug}: {signatures:,} signatures, {made} comments, statement id {statement.pk} "
          f"in {time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
