"""Recording seat usage from the vendor's product (the API feed and the CSV upload).

A batch is all or nothing: one bad row refuses the whole batch, with every bad row named by
its number and reason, and nothing is written. A feed re-sends the whole batch once fixed,
so a day is never half-stored. Per (license, day) a batch is idempotent: a row equal to the
stored one changes nothing, a different one replaces it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from accounts import limits
from accounts.lookups import array_literal
from licensing.models import License, UsageRecord, UsageSummary
from licensing.models.usage import ADOPTION_SHARES
from licensing.signals import usage_recorded

FIELDS = ("license", "company", "product", "date", "assigned_seats", "active_users_30d",
          "active_users_7d")  # fmt: skip
COUNTS = ("assigned_seats", "active_users_30d", "active_users_7d")
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
    licenses = _resolve_licenses(parsed, errors)
    _refuse_repeats(parsed, errors, row_word)
    if errors:
        raise ValidationError({"rows": _messages(errors, row_word)})
    with transaction.atomic():
        result, changed = _store(parsed)
        refresh_summaries(rows=changed, licenses=licenses)
        license_ids = sorted({row.license_id for row in parsed})
        transaction.on_commit(
            lambda: usage_recorded.send(sender=UsageRecord, license_ids=license_ids)
        )
    return result


def store_trusted_usage(*, rows: Sequence[Mapping]) -> int:
    """Store rows of our own making (demo data in bulk), skipping the feed's checks: created
    or replaced, the summaries left to `summarise_trusted_usage`, no signal sent. Returns the
    rows stored."""
    parsed = _trusted(rows)
    _write(parsed)
    return len(parsed)


@transaction.atomic
def summarise_trusted_usage(*, rows: Sequence[Mapping]) -> None:
    """Bring the summaries of the licenses of `rows` up to their stored usage, as
    `record_usage` does after storing a batch. `rows`, of our own making and stored already,
    must hold each license's latest day and every day from its go-live on (the adoption days
    are read from them). No signal sent."""
    parsed = _trusted(rows)
    licenses = {
        values[0]: _License(*values)
        for values in License.objects.filter(pk__in={row.license_id for row in parsed}).values_list(
            *LICENSE_COLUMNS
        )
    }
    refresh_summaries(rows=parsed, licenses=licenses)


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
    seats: int
    live_on: date | None


LICENSE_COLUMNS = ("pk", "starts_on", "ends_on", "seats", "live_on")


def _resolve_licenses(rows: list[_Row], errors: dict[int, list[str]]) -> dict[int, _License]:
    """Find each row's license (by id, or the company's license of the product whose term
    holds the day) and check the day falls within its term; return the licenses found.
    Two queries for the batch."""
    found = {
        values[0]: _License(*values)
        for values in License.objects.filter(
            pk__any={row.license_id for row in rows if row.license_id}
        ).values_list(*LICENSE_COLUMNS)
    }
    pairs = {(row.company_id, row.product_code) for row in rows if row.company_id}
    by_pair: dict[tuple[int, str], list[_License]] = {}
    if pairs:
        wanted = Q()
        for company_id, code in pairs:
            wanted |= Q(company_id=company_id, product__code=code)
        for *values, company_id, code in (
            License.objects.filter(wanted)
            .exclude(status=License.Status.CANCELLED)
            .values_list(*LICENSE_COLUMNS, "company_id", "product__code")
        ):
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
    return found


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


def _store(rows: list[_Row]) -> tuple[UsageResult, list[_Row]]:
    """Write what is new or different, in one upsert; what is equal stays as it was. Returns
    the counts and the rows written."""
    stored = {
        (license_id, day): figures
        for license_id, day, *figures in UsageRecord.objects.filter(
            license_id__any={row.license_id for row in rows},
            day__in={row.day for row in rows},
        ).values_list("license_id", "day", *COUNTS)
    }
    created = 0
    changed = []
    for row in rows:
        before = stored.get((row.license_id, row.day))
        if before == [row.assigned_seats, row.active_users_30d, row.active_users_7d]:
            continue
        created += before is None
        changed.append(row)
    _write(changed)
    result = UsageResult(
        created=created, replaced=len(changed) - created, unchanged=len(rows) - len(changed)
    )
    return result, changed


def _write(rows: list[_Row]) -> None:
    """Insert the rows, or replace the stored figures of their license and day."""
    now = timezone.now()
    upsert(
        UsageRecord,
        ["license", "day", *COUNTS, "received_at"],
        [(row.license_id, row.day, *(getattr(row, field) for field in COUNTS), now)
         for row in rows],
        unique=["license", "day"],
    )  # fmt: skip


def refresh_summaries(*, rows: Sequence[_Row], licenses: dict[int, _License]) -> None:
    """Bring the usage summaries of the licenses of `rows` (a batch just stored) up to their
    stored reports: the latest one, the fewest active users over the expansion window before
    it, and the adoption days, which the batch can only bring earlier. A few queries per
    distinct latest day (three for a daily feed)."""
    window = settings.USAGE_EXPANSION_DAYS
    latest: dict[int, _Row] = {}
    for row in rows:
        if row.license_id not in latest or latest[row.license_id].day < row.day:
            latest[row.license_id] = row
    previous = {
        pk: (day, figures, adopted)
        for pk, day, *figures, adopted_50, adopted_80 in UsageSummary.objects.filter(
            license_id__any=latest
        ).values_list("license_id", "day", *COUNTS, "adoption_50_on", "adoption_80_on")
        for adopted in [dict(zip(ADOPTION_SHARES, (adopted_50, adopted_80), strict=True))]
    }
    # A batch of older days (a backfill) leaves a later report the latest.
    for pk, (day, figures, _) in previous.items():
        if day > latest[pk].day:
            latest[pk] = _Row(0, pk, None, "", day, *figures)
    adoption = _adoption_days(rows, licenses)
    by_day: dict[date, list[int]] = {}
    for pk, row in latest.items():
        by_day.setdefault(row.day, []).append(pk)
    summaries = []
    for day, ids in by_day.items():
        lows = {
            pk: (lowest, count)
            for pk, lowest, count in UsageRecord.objects.filter(
                license_id__any=ids, day__gt=day - timedelta(days=window), day__lte=day
            )
            .values_list("license")
            .annotate(lowest=Min("active_users_30d"), count=Count("pk"))
            .order_by()
        }
        for pk in ids:
            row = latest[pk]
            adopted = previous[pk][2] if pk in previous else {}
            reached = [
                _earliest(adopted.get(share), adoption.get((pk, share)))
                for share in ADOPTION_SHARES
            ]
            summaries.append(
                (
                    pk, day, row.assigned_seats, row.active_users_30d, row.active_users_7d,
                    row.active_users_30d / licenses[pk].seats, *lows[pk], *reached,
                )
            )  # fmt: skip
    upsert(
        UsageSummary,
        ["license", "day", *COUNTS, "active_share", "lowest_active_window",
         "days_reported_window", "adoption_50_on", "adoption_80_on"],
        summaries,
        unique=["license"],
    )  # fmt: skip


def _adoption_days(
    rows: Sequence[_Row], licenses: dict[int, _License]
) -> dict[tuple[int, int], date]:
    """The earliest day of `rows`, from each license's go-live on, on which at least each
    share of ADOPTION_SHARES of its seats were active."""
    earliest: dict[tuple[int, int], date] = {}
    for row in rows:
        license = licenses[row.license_id]
        if license.live_on is None or row.day < license.live_on:
            continue
        for share in ADOPTION_SHARES:
            if row.active_users_30d * 100 >= share * license.seats:
                key = (row.license_id, share)
                earliest[key] = _earliest(earliest.get(key), row.day)
    return earliest


def _earliest(*days: date | None) -> date | None:
    known = [day for day in days if day is not None]
    return min(known) if known else None


def upsert(model, fields: list[str], rows: list[tuple], *, unique: list[str]) -> None:
    """INSERT rows (tuples in the order of `fields`) or, for a row whose `unique` fields are
    taken, UPDATE the other fields: in raw SQL, since building 10,000 model instances for
    bulk_create costs seconds. PostgreSQL gets each column as one array written as text
    (UNNEST), numbers, dates and times only."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    names = ", ".join(quote(column.column) for column in columns)
    conflict = ", ".join(quote(model._meta.get_field(name).column) for name in unique)
    updates = ", ".join(
        f"{quote(column.column)} = excluded.{quote(column.column)}"
        for column in columns
        if column.name not in unique
    )
    suffix = f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT * FROM UNNEST({arrays}) {suffix}",
                [array_literal(values) for values in zip(*rows, strict=True)],
            )
            return
        per_statement = max(999 // len(columns), 1)
        placeholders = f"({', '.join(['%s'] * len(columns))})"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join([placeholders] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values} {suffix}",
                [
                    column.get_db_prep_save(value, connection)
                    for row in chunk
                    for column, value in zip(columns, row, strict=True)
                ],
            )
