"""``undersigned import-statement FILE.md``: create or update a statement from a Markdown file
with YAML front matter (format: docs/statements.md). Prints the statement's URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.importing import import_statement_file
from statements.importer import ImportFileError, statement_url
from statements.models import Statement


class Command(BaseCommand):
    help = "Create or update a statement from a Markdown file with YAML front matter."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the statement's Markdown file")
        parser.add_argument("--replace", action="store_true",
                            help="overwrite a statement with the same slug that was created in "
                                 "the admin or imported from a file with another name")
        parser.add_argument("--user", metavar="USERNAME",
                            help="the editor recorded as author of the revisions")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"There is no user called {options['user']!r}.")
        try:
            statement, spec = import_statement_file(Path(options["file"]), actor,
                                               replace=options["replace"])
        except ImportFileError as error:
            raise CommandError(f"Nothing was imported. {error}") from None
        for warning in spec.warnings:
            self.stderr.write(f"warning: {warning}")
        if statement.status == Statement.Status.DRAFT:
            self.stderr.write("note: the statement is a draft; only editors can see it until "
                              "it is published (status: published).")
        self.stdout.write(statement_url(statement))
