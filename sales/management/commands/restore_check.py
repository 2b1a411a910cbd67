from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from sales.backups import check_restore


class Command(BaseCommand):
    help = (
        "Restore a dump made by `backup` into a fresh database and check every table's row "
        "count, every quote's total and every stored PDF's SHA-256 against its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("dump", help="backups/<timestamp>/seatdesk.dump")
        parser.add_argument(
            "--database", help="Name of the fresh database (default: seatdesk_restore_<time>)"
        )
        parser.add_argument("--keep", action="store_true", help="Keep the restored database")

    def handle(self, *args, dump, database, keep, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Restore checks need PostgreSQL: set DATABASE_URL=postgres://...")
        dump = Path(dump)
        if not dump.is_file() or not (dump.parent / "manifest.json").is_file():
            raise CommandError(f"{dump}: no such dump with a manifest.json beside it.")
        database = database or f"seatdesk_restore_{timezone.now():%Y%m%d%H%M%S}"
        result = check_restore(dump=dump, database=database, keep=keep)
        summary = (
            f"{result.tables} tables, {result.rows} rows, {result.quotes} quote totals, "
            f"{result.pdfs} PDFs"
        )
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(f"Restore check FAILED ({len(result.problems)} differences).")
        self.stdout.write(f"Restore check passed: {summary} equal to the source.")
