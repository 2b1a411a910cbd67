from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from sales.backups import take_backup


class Command(BaseCommand):
    help = (
        "Dump the PostgreSQL database (custom format) and copy the stored PDFs into "
        "backups/<timestamp>/, with a manifest of row counts, quote totals and PDF SHA-256s."
    )

    def add_arguments(self, parser):
        parser.add_argument("--into", default=str(settings.BASE_DIR / "backups"))

    def handle(self, *args, into, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Backups need PostgreSQL: set DATABASE_URL=postgres://...")
        backup = take_backup(into=Path(into))
        manifest = backup.manifest
        self.stdout.write(
            f"{backup.dump}: {len(manifest['tables'])} tables, "
            f"{sum(manifest['tables'].values())} rows, {len(manifest['quote_totals'])} quotes, "
            f"{len(manifest['pdfs'])} PDFs"
        )
