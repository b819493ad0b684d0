"""Importing a statement file, with the organisations it lists as signatories: the statements
app reads and writes the statement; the sign-ons it names are the signatures app's, handed in
here, where both can be reached."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from signatures.actions import do_record_organisation
from statements.importer import StatementSpec, import_statement
from statements.models import Statement


def record_signed_on(statement: Statement, names: list[str], actor: Any) -> None:
    # Recording is idempotent per organisation, so a re-import adds only new names.
    for name in names:
        do_record_organisation(statement, name, actor=actor)


def import_statement_file(path: Path, actor: Any = None, *, replace: bool = False
                          ) -> tuple[Statement, StatementSpec]:
    """``statements.importer.import_statement``, recording its ``signed_on`` organisations."""
    return import_statement(path, actor, replace=replace, record_signed_on=record_signed_on)
