"""The figures about the book today, as of `Scope.today`: active seats, ARR and MRR, the
renewals due within 30, 60 and 90 days and in each of the next 12 months, the renewal rate and
net seat retention over the 12 months before today, and penetration and whitespace over the
customers. Each figure is defined in its function's docstring, over the records of records.py."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.db.models.lookups import GreaterThanOrEqual, LessThan

from accounts.models import companies
from licensing.models import License, annual_value_expression
from licensing.pricing import add_months
from sales.metrics.records import (
    RENEWAL_WINDOWS,
    ZERO_MONEY,
    Scope,
    active_licenses,
    book_companies,
    customer_seats,
    licenses_a_year_ago,
    licenses_up_for_renewal,
    money,
    months_of,
    rate,
    renewals_due,
    whitespace_value,
)

TOP_OPPORTUNITIES = 10
LOWEST_PENETRATION_ROWS = 10
# Penetration buckets: (label, lower bound in percent of headcount, upper bound or None).
PENETRATION_BUCKETS = (
    ("under 10%", 0, 10),
    ("10–25%", 10, 25),
    ("25–50%", 25, 50),
    ("50–75%", 50, 75),
    ("75–100%", 75, 100),
    ("100% or more", 100, None),
)


@dataclass(frozen=True)
class PenetrationBucket:
    label: str
    companies: int


@dataclass(frozen=True)
class CompanySeats:
    """A company's seat figures (see Company.with_seats), as the expansion opportunities and
    the lowest penetrations list them; whitespace_value only for customers (`customers`)."""

    pk: int
    name: str
    licensed_seats: int
    top_product_seats: int
    employee_count: int | None
    target_seats: int | None
    whitespace: int
    whitespace_value: Decimal | None = None

    @classmethod
    def of(cls, company, **extra) -> "CompanySeats":
        return cls(
            pk=company.pk,
            name=company.name,
            licensed_seats=company.licensed_seats,
            top_product_seats=company.top_product_seats,
            employee_count=company.employee_count,
            target_seats=company.target_seats,
            whitespace=company.whitespace,
            **extra,
        )

    @classmethod
    def of_row(cls, row: dict, **extra) -> "CompanySeats":
        """From a row of `customer_seats` annotated with name and whitespace."""
        return cls(
            pk=row["company"],
            name=row["name"],
            licensed_seats=row["total_seats"],
            top_product_seats=row["top_product_seats"],
            employee_count=row["employee_count"],
            target_seats=row["target_seats"],
            whitespace=row["whitespace"],
            **extra,
        )


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
    """Licenses due for renewal (see `renewals_due`) whose term ends in each of the next 12
    calendar months (this one from today), with their annual value: the renewals to come."""
    months = months_of(scope.today, add_months(scope.today.replace(day=1), 11))
    last_day = add_months(months[-1], 1) - timedelta(days=1)
    rows = (
        renewals_due(scope, (last_day - scope.today).days)
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


def penetration(scope: Scope) -> dict:
    """Over customers (see `customers`): seat penetration = the seats of each one's
    most-licensed product (Company.with_seats: a second product is not more users) / their
    headcount, counting only customers with a headcount; target attainment = those seats /
    target seats, counting only customers with a target; whitespace seats and value = sums of
    each customer's whitespace; the distribution of customers by penetration (None: no
    headcount); the best expansion opportunities (highest whitespace value)."""
    known = Q(employee_count__gt=0)
    buckets = {}
    for index, (_, lower, upper) in enumerate(PENETRATION_BUCKETS):
        condition = known & GreaterThanOrEqual(
            F("top_product_seats") * 100, F("employee_count") * lower
        )
        if upper is not None:
            condition &= LessThan(F("top_product_seats") * 100, F("employee_count") * upper)
        buckets[f"bucket{index}"] = Count("company", filter=condition)
    totals = customer_seats(scope).aggregate(
        companies=Count("company"),
        seats_with_headcount=Coalesce(Sum("top_product_seats", filter=known), 0),
        headcount=Coalesce(Sum("employee_count", filter=known), 0),
        seats_with_target=Coalesce(Sum("top_product_seats", filter=Q(target_seats__gt=0)), 0),
        target=Coalesce(Sum("target_seats", filter=Q(target_seats__gt=0)), 0),
        total_whitespace=Coalesce(Sum(companies.whitespace()), 0),
        total_whitespace_value=Sum(whitespace_value("total_value")),
        # Not ~known: over an annotation, negation would leave out a NULL headcount.
        no_headcount=Count("company", filter=Q(employee_count__isnull=True) | Q(employee_count=0)),
        **buckets,
    )
    distribution = [
        PenetrationBucket(label, totals[f"bucket{index}"])
        for index, (label, _, _) in enumerate(PENETRATION_BUCKETS)
    ]
    ranked = (
        customer_seats(scope)
        .annotate(
            name=F("company__name"),
            whitespace=companies.whitespace(),
            whitespace_value=whitespace_value("total_value"),
        )
        .filter(whitespace__gt=0)
        .order_by("-whitespace_value", "name")
    )
    opportunities = [
        CompanySeats.of_row(row, whitespace_value=money(row["whitespace_value"]))
        for row in ranked[:TOP_OPPORTUNITIES]
    ]
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


def lowest_penetration(scope: Scope) -> dict:
    """The companies (not archived, with a headcount) of the book whose top product's seats
    cover the smallest share of their headcount, lowest first (then by name): where to win
    users next. Those with no license in force (0 %) come first, by name; then the customers,
    ranked over their grouped rows (`customer_seats`) rather than one subquery per company."""
    uncovered = (
        book_companies(scope)
        .filter(employee_count__gt=0)
        .exclude(Exists(License.objects.active(scope.today).filter(company=OuterRef("pk"))))
        .with_seats(scope.today)
        .order_by("name", "pk")
    )
    covered = (
        customer_seats(scope)
        .filter(company__archived_at__isnull=True, employee_count__gt=0)
        .annotate(
            name=F("company__name"),
            whitespace=companies.whitespace(),
            penetration=companies.penetration(),
        )
        .order_by("penetration", "name", "company")
    )
    # Both lists always read (a constant number of queries), the uncovered first.
    lowest = [
        *(CompanySeats.of(company) for company in uncovered[:LOWEST_PENETRATION_ROWS]),
        *(CompanySeats.of_row(row) for row in covered[:LOWEST_PENETRATION_ROWS]),
    ]
    return {"lowest_penetration": lowest[:LOWEST_PENETRATION_ROWS]}
