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
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from accounts import limits
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


def record_usage(*, rows: Sequence[Mapping], first_row: int = 1, today: date | None = None):
    """Store a batch of usage rows (dicts with the keys of FIELDS) and return how many were
    created, replaced and unchanged; refuse the whole batch (ValidationError naming each bad
    row, counted from `first_row`) when any row is bad. Sends `usage_recorded`."""
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
    _refuse_repeats(parsed, errors)
    if errors:
        raise ValidationError({"rows": _messages(errors)})
    with transaction.atomic():
        result = _store(parsed)
        license_ids = sorted({row.license_id for row in parsed})
        refresh_summaries(license_ids=license_ids, rows=parsed)
        transaction.on_commit(
            lambda: usage_recorded.send(sender=UsageRecord, license_ids=license_ids)
        )
    return result


def _messages(errors: dict[int, list[str]]) -> list[str]:
    numbers = sorted(errors)
    messages = [
        f"Row {number}: {' '.join(errors[number])}" for number in numbers[:MAX_REPORTED_ROWS]
    ]
    if len(numbers) > MAX_REPORTED_ROWS:
        messages.append(f"… and {len(numbers) - MAX_REPORTED_ROWS:,} more rows with errors.")
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


def _resolve_licenses(rows: list[_Row], errors: dict[int, list[str]]) -> None:
    """Find each row's license (by id, or the company's license of the product whose term
    holds the day) and check the day falls within its term. Two queries for the batch."""
    by_id = {
        license.pk: license
        for license in License.objects.filter(
            pk__in={row.license_id for row in rows if row.license_id}
        )
        .only("pk", "starts_on", "ends_on", "status", "company_id", "product__code")
        .select_related("product")
    }
    pairs = {(row.company_id, row.product_code) for row in rows if row.company_id}
    by_pair: dict[tuple[int, str], list[License]] = {}
    if pairs:
        wanted = Q()
        for company_id, code in pairs:
            wanted |= Q(company_id=company_id, product__code=code)
        for license in (
            License.objects.filter(wanted)
            .exclude(status=License.Status.CANCELLED)
            .only("pk", "starts_on", "ends_on", "status", "company_id", "product__code")
            .select_related("product")
        ):
            by_pair.setdefault((license.company_id, license.product.code), []).append(license)
    for row in rows:
        if row.number in errors:
            continue
        if row.license_id:
            license = by_id.get(row.license_id)
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


def _refuse_repeats(rows: list[_Row], errors: dict[int, list[str]]) -> None:
    first: dict[tuple[int, date], int] = {}
    for row in rows:
        if row.number in errors:
            continue
        key = (row.license_id, row.day)
        if key in first:
            errors[row.number] = [
                f"Row {first[key]} already gives license {row.license_id} on {row.day}."
            ]
        else:
            first[key] = row.number


def _store(rows: list[_Row]) -> UsageResult:
    """Write what is new or different, in one upsert; what is equal stays as it was."""
    stored = {
        (license_id, day): figures
        for license_id, day, *figures in UsageRecord.objects.filter(
            license_id__in={row.license_id for row in rows},
            day__gte=min(row.day for row in rows),
            day__lte=max(row.day for row in rows),
        ).values_list("license_id", "day", *COUNTS)
    }
    now = timezone.now()
    created = replaced = 0
    changed = []
    for row in rows:
        figures = [row.assigned_seats, row.active_users_30d, row.active_users_7d]
        before = stored.get((row.license_id, row.day))
        if before == figures:
            continue
        if before is None:
            created += 1
        else:
            replaced += 1
        changed.append(
            UsageRecord(
                license_id=row.license_id,
                day=row.day,
                assigned_seats=row.assigned_seats,
                active_users_30d=row.active_users_30d,
                active_users_7d=row.active_users_7d,
                received_at=now,
            )
        )
    UsageRecord.objects.bulk_create(
        changed,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["license", "day"],
        update_fields=[*COUNTS, "received_at"],
    )
    return UsageResult(created=created, replaced=replaced, unchanged=len(rows) - len(changed))


def refresh_summaries(*, license_ids: list[int], rows: Sequence[_Row] = ()) -> None:
    """Bring the usage summaries of `license_ids` up to their stored reports: the latest one,
    the fewest active users over the expansion window before it, and the adoption days,
    which `rows` (the batch just stored) can only bring earlier. A few queries per distinct
    latest day (one for a daily feed)."""
    window = settings.USAGE_EXPANSION_DAYS
    last_days = dict(
        UsageRecord.objects.filter(license_id__in=license_ids)
        .values_list("license")
        .annotate(last=Max("day"))
        .order_by()
    )
    licenses = {
        pk: (seats, live_on)
        for pk, seats, live_on in License.objects.filter(pk__in=license_ids).values_list(
            "pk", "seats", "live_on"
        )
    }
    adoption = _adoption_days(rows, licenses)
    summaries = []
    for day in set(last_days.values()):
        ids = [pk for pk, last in last_days.items() if last == day]
        lows = {
            pk: (lowest, count)
            for pk, lowest, count in UsageRecord.objects.filter(
                license_id__in=ids, day__gt=day - timedelta(days=window), day__lte=day
            )
            .values_list("license")
            .annotate(lowest=Min("active_users_30d"), count=Count("pk"))
            .order_by()
        }
        previous = {
            summary.pk: summary
            for summary in UsageSummary.objects.filter(license_id__in=ids).only(
                "license_id", "adoption_50_on", "adoption_80_on"
            )
        }
        for pk, assigned, active, active_7d in UsageRecord.objects.filter(
            license_id__in=ids, day=day
        ).values_list("license_id", *COUNTS):
            before = previous.get(pk)
            reached = {
                share: _earliest(
                    getattr(before, f"adoption_{share}_on", None), adoption.get((pk, share))
                )
                for share in ADOPTION_SHARES
            }
            summaries.append(
                UsageSummary(
                    license_id=pk,
                    day=day,
                    assigned_seats=assigned,
                    active_users_30d=active,
                    active_users_7d=active_7d,
                    active_share=active / licenses[pk][0],
                    lowest_active_window=lows[pk][0],
                    days_reported_window=lows[pk][1],
                    adoption_50_on=reached[50],
                    adoption_80_on=reached[80],
                )
            )
    UsageSummary.objects.bulk_create(
        summaries,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["license"],
        update_fields=[
            "day", *COUNTS, "active_share", "lowest_active_window", "days_reported_window",
            "adoption_50_on", "adoption_80_on",
        ],
    )  # fmt: skip


def _adoption_days(rows: Sequence[_Row], licenses: dict) -> dict[tuple[int, int], date]:
    """The earliest day of `rows`, from each license's go-live on, on which at least each
    share of ADOPTION_SHARES of its seats were active."""
    earliest: dict[tuple[int, int], date] = {}
    for row in rows:
        seats, live_on = licenses[row.license_id]
        if live_on is None or row.day < live_on:
            continue
        for share in ADOPTION_SHARES:
            if row.active_users_30d * 100 >= share * seats:
                key = (row.license_id, share)
                earliest[key] = _earliest(earliest.get(key), row.day)
    return earliest


def _earliest(*days: date | None) -> date | None:
    known = [day for day in days if day is not None]
    return min(known) if known else None
