"""The figures, each defined in its function's docstring, over the records of records.py;
`dashboard` gathers them all in a fixed number of queries."""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate, TruncMonth
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils import timezone

from licensing.models import License, Trial, annual_value_expression
from licensing.pricing import add_months
from sales.metrics.records import (
    RENEWAL_WINDOWS,
    ZERO_MONEY,
    Scope,
    active_licenses,
    customers,
    licenses_a_year_ago,
    licenses_gone_live,
    licenses_lost,
    licenses_started,
    licenses_up_for_renewal,
    median_of,
    money,
    months_of,
    new_licenses,
    quotes_decided,
    rate,
    renewals_due,
    seat_changes,
    trials_converted,
    trials_ended,
)
from sales.models import Quote

TOP_OPPORTUNITIES = 10
# Penetration buckets: (label, lower bound in percent of headcount, upper bound or None).
PENETRATION_BUCKETS = (
    ("under 10%", 0, 10),
    ("10–25%", 10, 25),
    ("25–50%", 25, 50),
    ("50–75%", 50, 75),
    ("75–100%", 75, 100),
    ("100% or more", 100, None),
)


def _month(value) -> date:
    """TruncMonth gives a date for a date column, an aware datetime for a datetime column."""
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


def _days(value) -> int:
    return value.days if isinstance(value, timedelta) else int(value)


@dataclass(frozen=True)
class SeatMonth:
    month: date
    new: int = 0
    expansion: int = 0
    cancelled: int = 0
    not_renewed: int = 0

    @property
    def added(self) -> int:
        return self.new + self.expansion

    @property
    def lost(self) -> int:
        return self.cancelled + self.not_renewed

    @property
    def net(self) -> int:
        return self.added - self.lost


@dataclass(frozen=True)
class ConversionMonth:
    month: date
    ended: int
    converted: int

    @property
    def rate(self) -> Decimal | None:
        return rate(self.converted, self.ended)


@dataclass(frozen=True)
class PenetrationBucket:
    label: str
    companies: int


@dataclass(frozen=True)
class DealSize:
    blocks: int
    deals: int


@dataclass(frozen=True)
class Renewals:
    days: int
    licenses: int
    annual_value: Decimal

    @property
    def records(self) -> str:
        """Its key in RECORDS (drilldown.py)."""
        return f"renewals-due-{self.days}"


@dataclass(frozen=True)
class RenewalMonth:
    month: date
    licenses: int
    annual_value: Decimal


def book_today(scope: Scope) -> dict:
    """Active seats = sum of seats of active licenses; ARR = sum of their annual values
    (seats x unit price x billing periods per year); MRR = ARR / 12."""
    totals = active_licenses(scope).aggregate(
        active_seats=Coalesce(Sum("seats"), 0),
        arr=Coalesce(Sum(annual_value_expression()), ZERO_MONEY),
    )
    return {
        "active_seats": totals["active_seats"],
        "arr": money(totals["arr"]),
        "mrr": money(totals["arr"] / 12),
    }


def renewals(scope: Scope) -> list[Renewals]:
    """Active licenses due for renewal within 30, 60 and 90 days, with their annual value."""
    longest = max(RENEWAL_WINDOWS)
    limits = {days: Q(ends_on__lte=scope.today + timedelta(days=days)) for days in RENEWAL_WINDOWS}
    totals = renewals_due(scope, longest).aggregate(
        **{f"n{days}": Count("pk", filter=limit) for days, limit in limits.items()},
        **{
            f"v{days}": Coalesce(Sum(annual_value_expression(), filter=limit), ZERO_MONEY)
            for days, limit in limits.items()
        },
    )
    return [Renewals(days, totals[f"n{days}"], money(totals[f"v{days}"])) for days in limits]


def renewals_by_month(scope: Scope) -> list[RenewalMonth]:
    """Active licenses whose term ends in each of the next 12 calendar months (this one
    from today), with their annual value: the renewals to come."""
    months = months_of(scope.today, add_months(scope.today.replace(day=1), 11))
    last_day = add_months(months[-1], 1) - timedelta(days=1)
    rows = (
        active_licenses(scope)
        .filter(ends_on__range=(scope.today, last_day))
        .annotate(month=TruncMonth("ends_on"))
        .values("month")
        .annotate(licenses=Count("pk"), value=Sum(annual_value_expression()))
    )
    found = {row["month"]: row for row in rows}
    return [
        RenewalMonth(
            month,
            found.get(month, {}).get("licenses", 0),
            money(found.get(month, {}).get("value")),
        )
        for month in months
    ]


def renewal_rate(scope: Scope) -> dict:
    """Renewal rate = licenses renewed / licenses up for renewal in the 12 months before
    today (see licenses_up_for_renewal)."""
    totals = licenses_up_for_renewal(scope).aggregate(
        due=Count("pk"), renewed=Count("pk", filter=Q(status=License.Status.RENEWED))
    )
    return {
        "renewals_decided_12_months": totals["due"],
        "renewals_renewed_12_months": totals["renewed"],
        "renewal_rate_12_months": rate(totals["renewed"], totals["due"]),
    }


def net_seat_retention(scope: Scope) -> dict:
    """Net seat retention = today's active seats of the companies that held licenses 12
    months ago / the seats those licenses had then. Expansion raises it above 1; seats
    cancelled or not renewed lower it; new customers do not count."""
    cohort = licenses_a_year_ago(scope)
    seats_then = cohort.aggregate(total=Coalesce(Sum("seats_then"), 0))["total"]
    seats_now = (
        active_licenses(scope)
        .filter(company__in=cohort.values("company"))
        .aggregate(total=Coalesce(Sum("seats"), 0))["total"]
    )
    return {
        "seats_a_year_ago": seats_then,
        "seats_now_of_that_cohort": seats_now,
        "net_seat_retention_12_months": rate(seats_now, seats_then),
    }


def trial_conversion(scope: Scope) -> dict:
    """Trial conversion rate = trials converted / trials ended in the period (by ended_at);
    median days to convert = median of (conversion day - trial start day) of those converted;
    also by calendar month of ending."""
    rows = (
        trials_ended(scope)
        .annotate(month=TruncMonth("ended_at"))
        .values("month")
        .annotate(ended=Count("pk"), converted=Count("pk", filter=Q(status=Trial.Status.CONVERTED)))
    )
    found = {_month(row["month"]): row for row in rows}
    by_month = [
        ConversionMonth(
            month, found.get(month, {}).get("ended", 0), found.get(month, {}).get("converted", 0)
        )
        for month in months_of(scope.start, scope.end)
    ]
    durations = (
        trials_converted(scope)
        .annotate(
            days=ExpressionWrapper(
                TruncDate("ended_at") - F("starts_on"), output_field=DurationField()
            )
        )
        .values("days")
        .annotate(trials=Count("pk"))
    )
    ended = sum(month.ended for month in by_month)
    converted = sum(month.converted for month in by_month)
    return {
        "trials_ended": ended,
        "trials_converted": converted,
        "trial_conversion_rate": rate(converted, ended),
        "median_days_to_convert": median_of(
            {_days(row["days"]): row["trials"] for row in durations}
        ),
        "conversion_by_month": by_month,
    }


def penetration(scope: Scope) -> dict:
    """Over customers (see `customers`): seat penetration = their licensed seats / their
    headcount, counting only customers with a headcount; target attainment = licensed seats /
    target seats, counting only customers with a target; whitespace seats and value = sums of
    each customer's whitespace; the distribution of customers by penetration (None: no
    headcount); the best expansion opportunities (highest whitespace value)."""
    known = Q(employee_count__gt=0)
    buckets = {}
    for index, (_, lower, upper) in enumerate(PENETRATION_BUCKETS):
        condition = known & GreaterThanOrEqual(
            F("licensed_seats") * 100, F("employee_count") * lower
        )
        if upper is not None:
            condition &= LessThan(F("licensed_seats") * 100, F("employee_count") * upper)
        buckets[f"bucket{index}"] = Count("pk", filter=condition)
    totals = customers(scope).aggregate(
        companies=Count("pk"),
        seats_with_headcount=Coalesce(Sum("licensed_seats", filter=known), 0),
        headcount=Coalesce(Sum("employee_count", filter=known), 0),
        seats_with_target=Coalesce(Sum("licensed_seats", filter=Q(target_seats__gt=0)), 0),
        target=Coalesce(Sum("target_seats", filter=Q(target_seats__gt=0)), 0),
        total_whitespace=Coalesce(Sum("whitespace"), 0),
        # An aggregate named like the annotation it sums would shadow it: hence total_*.
        total_whitespace_value=Sum("whitespace_value"),
        no_headcount=Count("pk", filter=~known),
        **buckets,
    )
    distribution = [
        PenetrationBucket(label, totals[f"bucket{index}"])
        for index, (label, _, _) in enumerate(PENETRATION_BUCKETS)
    ]
    opportunities = list(customers(scope).filter(whitespace__gt=0)[:TOP_OPPORTUNITIES])
    for company in opportunities:
        company.whitespace_value = money(company.whitespace_value)
    return {
        "customers": totals["companies"],
        "seat_penetration": rate(totals["seats_with_headcount"], totals["headcount"]),
        "target_attainment": rate(totals["seats_with_target"], totals["target"]),
        "whitespace_seats": totals["total_whitespace"],
        "whitespace_value": money(totals["total_whitespace_value"]),
        "penetration_distribution": [
            *distribution,
            PenetrationBucket("no headcount", totals["no_headcount"]),
        ],
        "opportunities": opportunities,
    }


def seat_growth(scope: Scope) -> dict:
    """Seats added and lost in the period, by calendar month:
    new = initial seats of licenses that renew nothing; expansion = seats added by seat
    changes plus seats gained at renewal; cancelled = seats of licenses cancelled plus seats
    removed by seat changes; not renewed = seats of licenses expired without renewal plus
    seats dropped at renewal. Net seat growth = added - lost."""
    started = (
        licenses_started(scope)
        .annotate(month=TruncMonth("starts_on"))
        .values("month")
        .annotate(
            new=Sum("initial_seats", filter=Q(renews__isnull=True)),
            # Greatest/Least rather than a filter on seats_change: each mention of it repeats
            # the seat-change subquery in the SQL.
            gained=Sum(Greatest("seats_change", 0), filter=Q(renews__isnull=False)),
            dropped=Sum(Least("seats_change", 0), filter=Q(renews__isnull=False)),
        )
    )
    changed = (
        seat_changes(scope)
        .annotate(month=TruncMonth("effective_on"))
        .values("month")
        .annotate(
            added=Sum("delta", filter=Q(delta__gt=0)), removed=Sum("delta", filter=Q(delta__lt=0))
        )
    )
    lost = (
        licenses_lost(scope)
        .annotate(month=TruncMonth("lost_on"))
        .values("month")
        .annotate(
            cancelled=Sum("seats", filter=Q(status=License.Status.CANCELLED)),
            expired=Sum("seats", filter=Q(status=License.Status.EXPIRED)),
        )
    )
    figures: dict[date, dict[str, int]] = {}
    for rows in (started, changed, lost):
        for row in rows:
            month = figures.setdefault(row.pop("month"), {})
            for name, value in row.items():
                month[name] = month.get(name, 0) + (value or 0)
    by_month = []
    for month in months_of(scope.start, scope.end):
        found = figures.get(month, {})
        by_month.append(
            SeatMonth(
                month,
                new=found.get("new", 0),
                expansion=found.get("added", 0) + found.get("gained", 0),
                cancelled=found.get("cancelled", 0) - found.get("removed", 0),
                not_renewed=found.get("expired", 0) - found.get("dropped", 0),
            )
        )
    added = sum(month.added for month in by_month)
    lost_seats = sum(month.lost for month in by_month)
    return {
        "seats_new": sum(month.new for month in by_month),
        "seats_expansion": sum(month.expansion for month in by_month),
        "seats_cancelled": sum(month.cancelled for month in by_month),
        "seats_not_renewed": sum(month.not_renewed for month in by_month),
        "seats_added": added,
        "seats_lost": lost_seats,
        "net_seat_growth": added - lost_seats,
        "seat_growth_by_month": by_month,
    }


def deal_sizes(scope: Scope) -> dict:
    """Deals = new licenses (see new_licenses); size in blocks = initial seats / the product's
    seat block size; average seats per deal = their initial seats / their number."""
    rows = (
        new_licenses(scope)
        .annotate(blocks=F("initial_seats") / F("product__seat_block_size"))
        .values("blocks")
        .annotate(deals=Count("pk"), seat_total=Sum("initial_seats"))
        .order_by("blocks")
    )
    sizes = [(row["blocks"], row["deals"], row["seat_total"]) for row in rows]
    deals = sum(count for _, count, _ in sizes)
    seats = sum(seat_total for _, _, seat_total in sizes)
    average = (Decimal(seats) / deals).quantize(Decimal("0.1"), ROUND_HALF_UP) if deals else None
    return {
        "deals": deals,
        "deals_by_blocks": [DealSize(blocks, count) for blocks, count, _ in sizes],
        "average_seats_per_deal": average,
    }


def quote_win_rate(scope: Scope) -> dict:
    """Quote win rate = quotes accepted / quotes accepted, declined or expired in the period
    (see quotes_decided)."""
    totals = quotes_decided(scope).aggregate(
        decided=Count("pk"), won=Count("pk", filter=Q(status=Quote.Status.ACCEPTED))
    )
    return {
        "quotes_decided": totals["decided"],
        "quotes_won": totals["won"],
        "quote_win_rate": rate(totals["won"], totals["decided"]),
    }


def time_to_live(scope: Scope) -> dict:
    """Onboarding time to go-live = median of (live_on - starts_on) in days over licenses
    gone live in the period."""
    rows = licenses_gone_live(scope).values("days_to_live").annotate(licenses=Count("pk"))
    histogram = {_days(row["days_to_live"]): row["licenses"] for row in rows}
    return {
        "licenses_gone_live": sum(histogram.values()),
        "median_days_to_go_live": median_of(histogram),
    }


@contextmanager
def _without_jit():
    """PostgreSQL's JIT compiles the costlier of these short aggregates, which takes longer
    (about 0.2 s at 10,000 companies) than running them: off for one transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def dashboard(scope: Scope) -> dict:
    """Every figure of the dashboard page and the metrics API, in a fixed number of queries
    (16, plus the transaction that turns JIT off on PostgreSQL)."""
    with _without_jit():
        return _figures(scope)


def _figures(scope: Scope) -> dict:
    figures = {"start": scope.start, "end": scope.end, "today": scope.today}
    for part in (
        book_today,
        renewal_rate,
        net_seat_retention,
        trial_conversion,
        penetration,
        seat_growth,
        deal_sizes,
        quote_win_rate,
        time_to_live,
    ):
        figures.update(part(scope))
    due = renewals(scope)
    figures["renewals"] = due
    for window in due:
        figures[f"renewals_due_{window.days}_days"] = window.licenses
        figures[f"renewals_due_{window.days}_days_value"] = window.annual_value
    figures["renewals_by_month"] = renewals_by_month(scope)
    return figures
