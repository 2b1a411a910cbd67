"""Backups that prove themselves: a PostgreSQL dump, the stored PDFs beside it, and a manifest
of what the database held at the dump's instant (every table's row count, every quote's
total, every stored PDF's SHA-256). A restore check loads the dump into a fresh database and
compares the same figures, read from it and from the copied PDFs, with the manifest.

The manifest and the dump read one snapshot (pg_dump --snapshot), so a backup taken while
people work is still compared with exactly what it holds. It lives in sales because the
quotes' totals and PDFs are sales' records; the row counts cover every app's tables.
"""

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from psycopg import sql

from sales.models import Quote

DUMP_NAME = "seatdesk.dump"
MANIFEST_NAME = "manifest.json"
MEDIA_DIR = "media"


@dataclass
class Backup:
    folder: Path
    manifest: dict

    @property
    def dump(self) -> Path:
        return self.folder / DUMP_NAME


@dataclass
class CheckResult:
    tables: int = 0
    rows: int = 0
    quotes: int = 0
    pdfs: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def libpq_settings(settings_dict: dict) -> dict[str, str]:
    """Connection parameters of a Django database for psycopg and the pg_* tools."""
    names = {"NAME": "dbname", "USER": "user", "PASSWORD": "password", "HOST": "host"}
    params = {key: str(settings_dict[name]) for name, key in names.items() if settings_dict[name]}
    if settings_dict.get("PORT"):
        params["port"] = str(settings_dict["PORT"])
    return params


def _environment(params: dict[str, str]) -> dict[str, str]:
    import os

    variables = {"dbname": "PGDATABASE", "user": "PGUSER", "password": "PGPASSWORD"}
    variables |= {"host": "PGHOST", "port": "PGPORT"}
    return {**os.environ, **{variables[key]: value for key, value in params.items()}}


def table_counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def quote_figures(cursor) -> tuple[dict[str, str], dict[str, dict]]:
    """Every quote's total (as text, exact), and each stored PDF's file name and recorded
    SHA-256, by quote id."""
    query = sql.SQL("SELECT id, total, pdf, pdf_sha256 FROM {} ORDER BY id").format(
        sql.Identifier(Quote._meta.db_table)
    )
    cursor.execute(query)
    totals, pdfs = {}, {}
    for quote_id, total, pdf, recorded in cursor.fetchall():
        totals[str(quote_id)] = str(total)
        if pdf:
            pdfs[str(quote_id)] = {"name": pdf, "recorded_sha256": recorded}
    return totals, pdfs


def _sha256(readable) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: readable.read(1 << 16), b""):
        digest.update(chunk)
    return digest.hexdigest()


def take_backup(*, into: Path, now: datetime | None = None) -> Backup:
    """Dump the database (custom format) and copy the stored PDFs into a new timestamped
    folder under `into`, with the manifest of that same instant."""
    now = now or timezone.now()
    folder = into / now.strftime("%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True)
    params = libpq_settings(connection.settings_dict)
    with psycopg.connect(**params, autocommit=False) as source:
        source.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = source.execute("SELECT pg_export_snapshot()").fetchone()[0]
        with source.cursor() as cursor:
            counts = table_counts(cursor)
            totals, pdfs = quote_figures(cursor)
        # pg_dump reads the very snapshot the figures came from, while it is held open.
        subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={folder / DUMP_NAME}",
            ],
            env=_environment(params),
            check=True,
        )
    for entry in pdfs.values():
        target = folder / MEDIA_DIR / entry["name"]
        target.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(entry["name"], "rb") as stored, open(target, "wb") as copy:
            shutil.copyfileobj(stored, copy)
        with open(target, "rb") as copy:
            entry["sha256"] = _sha256(copy)
    manifest = {
        "taken_at": now.isoformat(),
        "database": params.get("dbname", ""),
        "tables": counts,
        "quote_totals": totals,
        "pdfs": pdfs,
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return Backup(folder=folder, manifest=manifest)


def check_restore(*, dump: Path, database: str, keep: bool = False) -> CheckResult:
    """Restore `dump` into a new database named `database` (refused if it exists) on the
    same server, and compare its tables, quote totals and the copied PDFs with the manifest
    beside the dump. The restored database is dropped afterwards unless `keep`."""
    folder = dump.parent
    manifest = json.loads((folder / MANIFEST_NAME).read_text())
    params = libpq_settings(connection.settings_dict)
    server = {**params, "dbname": "postgres"}
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    try:
        restored = {**params, "dbname": database}
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={database}", str(dump)],
            env=_environment(restored),
            check=True,
        )
        with psycopg.connect(**restored) as target, target.cursor() as cursor:
            counts = table_counts(cursor)
            totals, pdfs = quote_figures(cursor)
        return compare(manifest, counts, totals, pdfs, folder / MEDIA_DIR)
    finally:
        if not keep:
            with psycopg.connect(**server, autocommit=True) as admin:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(database)
                    )
                )


def compare(manifest, counts, totals, pdfs, media: Path) -> CheckResult:
    result = CheckResult(
        tables=len(counts), rows=sum(counts.values()), quotes=len(totals), pdfs=len(pdfs)
    )
    problems = result.problems
    for table in sorted(set(manifest["tables"]) | set(counts)):
        expected, found = manifest["tables"].get(table), counts.get(table)
        if expected != found:
            problems.append(f"table {table}: {expected} rows in the source, {found} restored")
    for quote_id in sorted(set(manifest["quote_totals"]) | set(totals), key=int):
        expected, found = manifest["quote_totals"].get(quote_id), totals.get(quote_id)
        if expected != found:
            problems.append(f"quote {quote_id}: total {expected} in the source, {found} restored")
    for quote_id in sorted(set(manifest["pdfs"]) | set(pdfs), key=int):
        expected, found = manifest["pdfs"].get(quote_id), pdfs.get(quote_id)
        if expected is None or found is None or expected["name"] != found["name"]:
            problems.append(f"quote {quote_id}: PDF {expected and expected['name']} vs {found}")
            continue
        path = media / found["name"]
        if not path.is_file():
            problems.append(f"quote {quote_id}: PDF {found['name']} missing from the backup")
            continue
        with open(path, "rb") as copy:
            actual = _sha256(copy)
        if actual != expected["sha256"] or actual != found["recorded_sha256"]:
            problems.append(
                f"quote {quote_id}: PDF {found['name']} SHA-256 {actual}, "
                f"expected {expected['sha256']}"
            )
    return result
