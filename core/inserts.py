"""INSERTs whose SQL is built once per model.

``Model.save()`` compiles its INSERT anew for every row: on a viral day that was a third of
the signing request's own work, and a fifth of a comment's. These helpers insert a new row
as ``save()`` would — every concrete field, ``pre_save`` included (``auto_now_add`` and the
like) — from SQL built once per model and database. They send no ``pre_save``/``post_save``
signals: use them for models that have no receivers (the intake and comments do not).
"""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import Field, Model


def column(field: Field) -> str:
    """The column of a concrete field (only fields that are not concrete have none)."""
    assert field.column is not None
    return field.column


@functools.cache
def _insert_sql(model: type[Model], vendor: str, returning: bool
                ) -> tuple[str, tuple[Field, ...]]:
    fields = tuple(field for field in model._meta.concrete_fields if not field.primary_key)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column(field)) for field in fields)
    values = ", ".join(["%s"] * len(fields))
    # Names from the model, values as parameters.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608
    if returning:
        sql += f" RETURNING {quote(column(model._meta.pk))}"
    return sql, fields


def insert(instance: Model, *, returning_pk: bool = True) -> None:
    """Insert ``instance`` as a new row; with ``returning_pk``, set its primary key.

    Outside a transaction the INSERT is its own (committed when this returns); inside one it
    joins it. Without ``returning_pk`` it is a plain INSERT, which on SQLite runs under the
    writers' lock as one statement (see core.backends.sqlite3)."""
    sql, fields = _insert_sql(type(instance), connection.vendor, returning_pk)
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection)
              for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning_pk:
            instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias
