"""Demo seat usage: the last 90 days of every license, in the shapes a customer-success lead
meets (a new customer adopting after go-live, one over-deployed, one falling away, one using
every seat, a healthy one, an idle one), so that every usage page and list has something to
show. `seed_demo` stores it through the feed's service; `seed_demo --scale` in bulk."""

import math
from collections.abc import Iterator
from datetime import date, timedelta

from django.db.models import Q

from licensing.models import License
from licensing.services import usage

DAYS = 90
SHAPES = ("adopting", "over_deployed", "falling", "saturated", "healthy", "idle")
# Licenses per bulk chunk: their days are written and summarised together.
CHUNK = 2_000


def _figures(shape: str, seats: int, pk: int, step: int, since_live: int | None):
    """(assigned, active in 30 days, active in 7 days) on the `step`-th day of the 90."""
    noise = (pk * 31 + step * 7) % 5 - 2
    if shape == "adopting":
        share = 0.05 if since_live is None or since_live < 0 else min(0.9, 0.1 + since_live / 60)
    elif shape == "over_deployed":
        share = 0.92
    elif shape == "falling":
        share = 0.85 - 0.5 * step / DAYS
    elif shape == "saturated":
        share = 0.96
    elif shape == "healthy":
        share = 0.75
    else:
        share = 0.4
    active = max(0, min(seats, round(seats * share) + noise))
    if shape == "over_deployed":
        assigned = seats + math.ceil(seats * 0.15)
    elif shape == "saturated":
        assigned = seats
    else:
        assigned = min(seats, active + max(1, seats // 10))
    active = min(active, assigned)
    return assigned, active, active * 7 // 10


def _licenses(today: date):
    return License.objects.filter(
        ~Q(status=License.Status.CANCELLED),
        starts_on__lte=today,
        ends_on__gte=today - timedelta(days=DAYS - 1),
    ).order_by("pk")


def usage_rows(licenses, today: date) -> Iterator[dict]:
    """The demo's usage rows of `licenses`, as the feed takes them."""
    for license in licenses:
        shape = SHAPES[license.pk % len(SHAPES)]
        live_on = license.live_on or license.starts_on + timedelta(days=20)
        first = max(license.starts_on, today - timedelta(days=DAYS - 1))
        for step in range((min(license.ends_on, today) - first).days + 1):
            day = first + timedelta(days=step)
            assigned, active, active_7d = _figures(
                shape, license.seats, license.pk, step, (day - live_on).days
            )
            yield {
                "license": license.pk,
                "date": day.isoformat(),
                "assigned_seats": assigned,
                "active_users_30d": active,
                "active_users_7d": active_7d,
            }


def seed_usage(*, today: date) -> int:
    """The demo's usage through the feed's service, in batches; returns the rows."""
    rows = list(usage_rows(_licenses(today), today))
    for start in range(0, len(rows), usage.limits.MAX_USAGE_ROWS):
        usage.record_usage(rows=rows[start : start + usage.limits.MAX_USAGE_ROWS], today=today)
    return len(rows)


def seed_usage_in_bulk(*, today: date) -> int:
    """The same usage for `seed_demo --scale`, written in bulk (the rows are ours, so the
    feed's checks are skipped; the summaries are the feed's own)."""
    licenses = list(_licenses(today).only("pk", "seats", "starts_on", "ends_on", "live_on"))
    written = 0
    for start in range(0, len(licenses), CHUNK):
        chunk = licenses[start : start + CHUNK]
        written += usage.store_trusted_usage(rows=list(usage_rows(chunk, today)))
    return written
