"""``undersigned reconcile-signature-counts``: recompute the public counters from the rows."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from signatures.actions import reconcile_counts
from statements.models import Statement


class Command(BaseCommand):
    help = "Recompute every statement's signature counters (or only --statement SLUG's)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--statement", help="slug of one statement")

    def handle(self, *args: Any, **options: Any) -> None:
        statements = Statement.objects.all()
        if options["statement"]:
            statements = statements.filter(slug=options["statement"])
        fixed = reconcile_counts(statements.iterator())
        for statement in fixed:
            self.stdout.write(f"fixed: {statement.slug}")
        self.stdout.write(f"{len(fixed)} statement(s) corrected.")
