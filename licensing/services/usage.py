"""Recording seat usage from the vendor's product (the API feed and the CSV upload).

A batch is all or nothing: one bad row refuses the whole batch, with every bad row named by
its number and reason, and nothing is written. A feed re-sends the whole batch once fixed,
so a day is never half-stored. Per (license, day) a batch is idempotent: a row equal to the
stored one changes nothing, a different one replaces it.
"""

from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts import limits
from accounts.models import Company
from licensing.models import CompanyUtilisation, License, UsageRecord
from licensing.models.usage import ADOPTION_SHARES
from licensing.signals import usage_recorded

FIELDS = ("license", "company", "product", "date", "assigned_seats", "active_users_30d",
          "active_users_7d")  # fmt: skip
COUNTS = ("assigned_seats", "active_users_30d", "active_users_7d")
# The temporary table a batch is loaded into, for the statements that store and summarise it.
BATCH = "usage_batch"
# A refusal names at most this many rows (a wholly wrong file would name every row).
MAX_REPORTED_ROWS = 100


@dataclass(frozen=True)
class UsageResult:
    created: int
    replaced: int
    unchanged: int


@dataclass
class _Row:
    number: int
    license_id: int | None = None
    company_id: int | None = None
    product_code: str = ""
    day: date | None = None
    assigned_seats: int | None = None
    active_users_30d: int | None = None
    active_users_7d: int | None = None


def record_usage(
    *,
    rows: Sequence[Mapping],
    first_row: int = 1,
    row_word: str = "Row",
    today: date | None = None,
) -> UsageResult:
    """Store a batch of usage rows (dicts with the keys of FIELDS) and return how many were
    created, replaced and unchanged; refuse the whole batch (ValidationError naming each bad
    row as `row_word` and its number, counted from `first_row`) when any row is bad. Sends
    `usage_recorded`."""
    today = today or timezone.localdate()
    if not rows:
        raise ValidationError({"rows": "Send at least one row."})
    if len(rows) > limits.MAX_USAGE_ROWS:
        raise ValidationError(
            {"rows": f"At most {limits.MAX_USAGE_ROWS:,} rows per batch; this has {len(rows):,}."}
        )
    errors: dict[int, list[str]] = {}
    parsed = [_parse(row, first_row + index, today, errors) for index, row in enumerate(rows)]
    _resolve_licenses(parsed, errors)
    _refuse_repeats(parsed, errors, row_word)
    if errors:
        raise ValidationError({"rows": _messages(errors, row_word)})
    license_ids = sorted({row.license_id for row in parsed})
    with _batch_table(parsed) as cursor:
        result = _store(cursor, total=len(parsed))
        changed = _summarise(cursor)
        refresh_company_utilisation(companies=_companies_of(changed), today=today)
        transaction.on_commit(
            lambda: usage_recorded.send(sender=UsageRecord, license_ids=license_ids)
        )
    return result


def store_trusted_usage(*, rows: Sequence[Mapping]) -> int:
    """Store rows of our own making (demo data in bulk), skipping the feed's checks: created
    or replaced, the summaries left to `summarise_trusted_usage`, no signal sent. Returns the
    rows stored."""
    with _batch_table(_trusted(rows)) as cursor:
        _store(cursor, total=len(rows))
    return len(rows)


def summarise_trusted_usage(*, rows: Sequence[Mapping], today: date | None = None) -> None:
    """Bring the summaries of the licenses of `rows`, and their companies' utilisation on
    `today`, up to their stored usage, as `record_usage` does after storing a batch. `rows`,
    of our own making and stored already, must hold each license's latest day and every day
    from its go-live on (the adoption days are read from them). No signal sent."""
    with _batch_table(_trusted(rows)) as cursor:
        changed = _summarise(cursor)
        refresh_company_utilisation(companies=_companies_of(changed), today=today)


def refresh_company_utilisation(*, companies, today: date | None = None) -> None:
    """Store the lowest utilisation of `companies` (ids, or a query of them) on `today`
    (CompanyUtilisation; None without a license in force with fresh usage): what every
    writer of usage, seats or a license's state calls for the companies it touched, and the
    nightly refresh. One statement, whatever the number."""
    listed = Company.objects.filter(pk__in=companies).order_by().values("pk")
    lowest = (
        License.objects.active(today)
        .filter(company__in=companies)
        .lowest_utilisation(today)
        .values_list("company", "lowest_utilisation")
    )
    listed_sql, listed_params = listed.query.sql_with_params()
    lowest_sql, lowest_params = lowest.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            _STORE_LOWEST.format(companies=listed_sql, lowest=lowest_sql),
            (*listed_params, *lowest_params),
        )


# An equal figure is left as it was (no new row version, no index entries).
_STORE_LOWEST = """
INSERT INTO licensing_companyutilisation (company_id, lowest_utilisation)
SELECT company.pk, lowest.lowest_utilisation
FROM ({companies}) AS company LEFT JOIN ({lowest}) AS lowest ON lowest.company = company.pk
WHERE true
ON CONFLICT (company_id) DO UPDATE SET lowest_utilisation = excluded.lowest_utilisation
WHERE licensing_companyutilisation.lowest_utilisation IS DISTINCT FROM excluded.lowest_utilisation
"""


def refresh_stored_utilisation(*, today: date | None = None) -> None:
    """The nightly refresh of the companies with a stored utilisation, which time alone
    changes: a report grows stale (FRESH_DAYS), a renewed term ends. Time never brings a
    license into a figure (its usage is reported from its start on), so the others keep
    theirs (none)."""
    stored = CompanyUtilisation.objects.filter(lowest_utilisation__isnull=False)
    refresh_company_utilisation(companies=stored.values("company"), today=today)


def _companies_of(license_ids: Iterable[int]):
    return License.objects.filter(pk__any=license_ids).values("company")


def _trusted(rows: Sequence[Mapping]) -> list[_Row]:
    return [
        _Row(
            number=0,
            license_id=row["license"],
            day=date.fromisoformat(row["date"]),
            assigned_seats=row["assigned_seats"],
            active_users_30d=row["active_users_30d"],
            active_users_7d=row.get("active_users_7d"),
        )
        for row in rows
    ]


def _messages(errors: dict[int, list[str]], row_word: str) -> list[str]:
    numbers = sorted(errors)
    messages = [
        f"{row_word} {number}: {' '.join(errors[number])}" for number in numbers[:MAX_REPORTED_ROWS]
    ]
    if len(numbers) > MAX_REPORTED_ROWS:
        messages.append(f"… and {len(numbers) - MAX_REPORTED_ROWS:,} more with errors.")
    return messages


def _parse(raw, number: int, today: date, errors: dict[int, list[str]]) -> _Row:
    row = _Row(number=number)
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        errors[number] = ["Each row is an object of named fields."]
        return row
    unknown = sorted(str(key) for key in raw if key not in FIELDS)
    if unknown:
        problems.append(f"Unknown field {', '.join(unknown)}.")
    given = {key: value for key, value in raw.items() if value not in (None, "")}
    if "license" in given:
        if "company" in given or "product" in given:
            problems.append("Name the license, or the company and product, not both.")
        row.license_id = _whole_number(given["license"], "license", problems, at_least=1)
    elif "company" in given and "product" in given:
        row.company_id = _whole_number(given["company"], "company", problems, at_least=1)
        row.product_code = str(given["product"]).strip()
    else:
        problems.append("Name the license, or the company and the product code.")
    row.day = _day(given.get("date"), today, problems)
    for field in COUNTS:
        if field in given:
            setattr(row, field, _whole_number(given[field], field, problems, at_least=0))
        elif field != "active_users_7d":
            problems.append(f"{field} is required.")
    if problems:
        errors[number] = problems
        return row
    if row.active_users_30d > row.assigned_seats:
        problems.append("active_users_30d cannot be more than assigned_seats.")
    if row.active_users_7d is not None and row.active_users_7d > row.active_users_30d:
        problems.append("active_users_7d cannot be more than active_users_30d.")
    if problems:
        errors[number] = problems
    return row


def _whole_number(value, field: str, problems: list[str], *, at_least: int) -> int | None:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(f"{field} must be a whole number.")
        return None
    if not at_least <= value <= limits.MAX_SEATS:
        problems.append(f"{field} must be between {at_least} and {limits.MAX_SEATS:,}.")
        return None
    return value


def _day(value, today: date, problems: list[str]) -> date | None:
    if value is None:
        problems.append("date is required.")
        return None
    try:
        day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        problems.append("date must be a date written YYYY-MM-DD.")
    elif day > today:
        problems.append(f"date {day} is in the future.")
        day = None
    elif day < limits.EARLIEST_DATE:
        problems.append(f"date must be from {limits.EARLIEST_DATE} on.")
        day = None
    return day


@dataclass(frozen=True)
class _License:
    pk: int
    starts_on: date
    ends_on: date


LICENSE_COLUMNS = ("pk", "starts_on", "ends_on")


def _resolve_licenses(rows: list[_Row], errors: dict[int, list[str]]) -> None:
    """Find each row's license (by id, or the company's license of the product whose term
    holds the day) and check the day falls within its term. Two queries for the batch."""
    found = {
        values[0]: _License(*values)
        for values in License.objects.filter(
            pk__any={row.license_id for row in rows if row.license_id}
        ).values_list(*LICENSE_COLUMNS)
    }
    pairs = {(row.company_id, row.product_code) for row in rows if row.company_id}
    by_pair: dict[tuple[int, str], list[_License]] = {}
    if pairs:
        # The named companies' licenses of the named products, then the pairs asked for: one
        # OR per pair would make a statement of 10,000 conditions (beyond SQLite's depth).
        for *values, company_id, code in (
            License.objects.filter(
                company_id__any={company_id for company_id, _ in pairs},
                product__code__in={code for _, code in pairs},
            )
            .exclude(status=License.Status.CANCELLED)
            .values_list(*LICENSE_COLUMNS, "company_id", "product__code")
        ):
            if (company_id, code) not in pairs:
                continue
            license = _License(*values)
            found[license.pk] = license
            by_pair.setdefault((company_id, code), []).append(license)
    for row in rows:
        if row.number in errors:
            continue
        if row.license_id:
            license = found.get(row.license_id)
            if license is None:
                errors[row.number] = [f"There is no license {row.license_id}."]
            elif not license.starts_on <= row.day <= license.ends_on:
                errors[row.number] = [
                    f"date {row.day} is outside license {license.pk}'s term "
                    f"({license.starts_on} to {license.ends_on})."
                ]
            continue
        held = [
            license
            for license in by_pair.get((row.company_id, row.product_code), [])
            if license.starts_on <= row.day <= license.ends_on
        ]
        if not held:
            errors[row.number] = [
                f"Company {row.company_id} has no license of product {row.product_code!r} "
                f"on {row.day}."
            ]
        else:
            row.license_id = held[0].pk


def _refuse_repeats(rows: list[_Row], errors: dict[int, list[str]], row_word: str) -> None:
    first: dict[tuple[int, date], int] = {}
    for row in rows:
        if row.number in errors:
            continue
        key = (row.license_id, row.day)
        if key in first:
            errors[row.number] = [
                f"{row_word} {first[key]} already gives license {row.license_id} on {row.day}."
            ]
        else:
            first[key] = row.number


def _store(cursor, *, total: int) -> UsageResult:
    """Write the batch table's rows that are new or different, in one upsert; what is equal
    stays as it was. Two statements for the batch."""
    cursor.execute(
        f"SELECT COUNT(*) FROM {BATCH} AS batch JOIN licensing_usagerecord AS stored "
        "ON stored.license_id = batch.license_id AND stored.day = batch.day"
    )
    stored = cursor.fetchone()[0]
    cursor.execute(_STORE, [timezone.now()])
    written = cursor.rowcount
    created = total - stored
    return UsageResult(created=created, replaced=written - created, unchanged=total - written)


# Trailing "WHERE true": SQLite would read ON CONFLICT as a join's ON without it.
_STORE = f"""
INSERT INTO licensing_usagerecord (license_id, day, {", ".join(COUNTS)}, received_at)
SELECT license_id, day, {", ".join(COUNTS)}, %s FROM {BATCH} WHERE true
ON CONFLICT (license_id, day) DO UPDATE SET
    {", ".join(f"{field} = excluded.{field}" for field in COUNTS)},
    received_at = excluded.received_at
WHERE {" OR ".join(f"licensing_usagerecord.{field} IS DISTINCT FROM excluded.{field}"
                   for field in COUNTS)}
"""  # fmt: skip


@contextmanager
def _batch_table(rows: Sequence[_Row]):
    """A transaction holding the rows in the temporary table BATCH (COPY on PostgreSQL), for
    the statements that store and summarise them; the table goes at the end (or with the
    rollback)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {BATCH} AS SELECT license_id, day, {', '.join(COUNTS)} "
            "FROM licensing_usagerecord WHERE 1 = 0"
        )
        columns = f"license_id, day, {', '.join(COUNTS)}"
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {BATCH} ({columns}) FROM STDIN") as copy:
                copy.write("".join(_copy_line(row) for row in rows))
            # Without statistics the planner takes the table for 200 rows; JIT compiling
            # the batch's statements takes longer than running them.
            cursor.execute(f"ANALYZE {BATCH}")
            cursor.execute("SET LOCAL jit = off")
        else:
            cursor.executemany(
                f"INSERT INTO {BATCH} ({columns}) VALUES (%s, %s, %s, %s, %s)",
                [(row.license_id, row.day.isoformat(), *_counts(row)) for row in rows],
            )
        yield cursor
        cursor.execute(f"DROP TABLE {BATCH}")


def _counts(row: _Row) -> tuple:
    return tuple(getattr(row, field) for field in COUNTS)


def _copy_line(row: _Row) -> str:
    # Whole numbers and dates only (checked, or ours): nothing to escape.
    values = (row.license_id, row.day, *_counts(row))
    return "\t".join(r"\N" if value is None else str(value) for value in values) + "\n"


def _summarise(cursor) -> list[int]:
    """Bring the usage summaries of the licenses of the batch table (stored already) up to
    their stored reports: the latest one (a batch of older days, a backfill, leaves a later
    report the latest), the fewest active users over the expansion window before it and on
    how many days it was reported, the adoption days, which the batch can only bring
    earlier, and the utilisation against the license's seats. One statement; returns the
    licenses whose summary changed."""
    window = int(settings.USAGE_EXPANSION_DAYS)
    if connection.vendor == "postgresql":
        since = f"latest.day - {window}"
    else:
        since = f"date(latest.day, '-{window} days')"
    cursor.execute(_SUMMARISE.format(since=since))
    return [license_id for (license_id,) in cursor.fetchall()]


_ADOPTION = [f"adoption_{share}_on" for share in ADOPTION_SHARES]
# What a summary holds besides its license; an equal summary is left as it was (an update
# would write a new row version and index entries for nothing).
_SUMMARY_FIGURES = ("day", *COUNTS, "licensed_seats", "active_share", "lowest_active_window",
                    "days_reported_window", *_ADOPTION)  # fmt: skip
# latest: each license's latest report, the batch's latest row unless its summary holds a
# later day; recent: its expansion window; reached: the batch's first days, from go-live on,
# with each adoption share of the seats active.
_SUMMARISE = f"""
WITH latest AS (
    SELECT batch.license_id, {", ".join(
        f"CASE WHEN summary.day > batch.day THEN summary.{field} ELSE batch.{field} END "
        f"AS {field}" for field in ("day", *COUNTS))}, {", ".join(
        f"summary.{column}" for column in _ADOPTION)}
    FROM {BATCH} AS batch
    LEFT JOIN licensing_usagesummary AS summary ON summary.license_id = batch.license_id
    WHERE NOT EXISTS (SELECT 1 FROM {BATCH} AS later
                      WHERE later.license_id = batch.license_id AND later.day > batch.day)
),
recent AS (
    SELECT latest.license_id, MIN(report.active_users_30d) AS lowest, COUNT(*) AS reported
    FROM latest JOIN licensing_usagerecord AS report
        ON report.license_id = latest.license_id AND report.day > {{since}}
        AND report.day <= latest.day
    GROUP BY latest.license_id
),
reached AS (
    SELECT batch.license_id, {", ".join(
        f"MIN(CASE WHEN batch.active_users_30d * 100 >= {share} * license.seats "
        f"THEN batch.day END) AS on_{share}" for share in ADOPTION_SHARES)}
    FROM {BATCH} AS batch JOIN licensing_license AS license ON license.id = batch.license_id
    WHERE batch.day >= license.live_on
    GROUP BY batch.license_id
)
INSERT INTO licensing_usagesummary (license_id, {", ".join(_SUMMARY_FIGURES)})
SELECT latest.license_id, latest.day, {", ".join(f"latest.{field}" for field in COUNTS)},
       license.seats, CAST(latest.active_users_30d AS DOUBLE PRECISION) / license.seats,
       recent.lowest, recent.reported, {", ".join(
        f"CASE WHEN reached.on_{share} IS NULL OR latest.{column} <= reached.on_{share} "
        f"THEN latest.{column} ELSE reached.on_{share} END"
        for share, column in zip(ADOPTION_SHARES, _ADOPTION, strict=True))}
FROM latest
JOIN licensing_license AS license ON license.id = latest.license_id
JOIN recent ON recent.license_id = latest.license_id
LEFT JOIN reached ON reached.license_id = latest.license_id
WHERE true
ON CONFLICT (license_id) DO UPDATE SET {", ".join(
    f"{column} = excluded.{column}" for column in _SUMMARY_FIGURES)}
WHERE {" OR ".join(f"licensing_usagesummary.{column} IS DISTINCT FROM excluded.{column}"
                   for column in _SUMMARY_FIGURES)}
RETURNING license_id
"""  # fmt: skip
