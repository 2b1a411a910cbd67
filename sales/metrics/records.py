"""The scope the figures cover, the helpers they share (rates, money, medians), and the
records behind the figures: one queryset per kind of row, which a figure aggregates and the
drill-down page lists. The owner filter (`_book`) keeps the companies an account manager owns
and everything that hangs off them."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import Company
from accounts.models.companies import whitespace
from licensing.models import License, SeatChange, Trial
from licensing.pricing import add_months, quantize
from sales.models import Quote

RATE_PLACES = Decimal("0.0001")
MONEY_FIELD = DecimalField(max_digits=18, decimal_places=2)
ZERO_MONEY = Value(Decimal("0.00"), output_field=MONEY_FIELD)
TRIAL_ENDED = (Trial.Status.CONVERTED, Trial.Status.EXPIRED, Trial.Status.CANCELLED)
QUOTE_DECIDED = (Quote.Status.ACCEPTED, Quote.Status.DECLINED, Quote.Status.EXPIRED)
RENEWAL_WINDOWS = (30, 60, 90)


@dataclass(frozen=True)
class Scope:
    """What the figures cover: a period (both days included), an owner's book (None: every
    company) and the day the book is looked at."""

    start: date
    end: date
    owner_id: int | None = None
    today: date = field(default_factory=timezone.localdate)

    @property
    def year_ago(self) -> date:
        return add_months(self.today, -12)


def default_period(today: date) -> tuple[date, date]:
    """The twelve calendar months up to today: the dashboard's default period."""
    return add_months(today.replace(day=1), -11), today


def months_of(start: date, end: date) -> list[date]:
    """First days of the calendar months the period touches."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


def rate(numerator, denominator) -> Decimal | None:
    """numerator / denominator as a fraction rounded to 4 places; None for 0 / 0."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, ROUND_HALF_UP)


def money(amount) -> Decimal:
    return quantize(amount or Decimal("0"), settings.SEATDESK_CURRENCY)


def median_of(histogram: dict[int, int]) -> Decimal | None:
    """Median of values given as {value: how many}; the mean of the two middle ones for an
    even count. Grouping in SQL first keeps the rows read bounded by distinct values."""
    total = sum(histogram.values())
    if not total:
        return None
    middle, seen, lower = (total - 1) // 2, 0, None
    for value in sorted(histogram):
        seen += histogram[value]
        if lower is None and seen > middle:
            lower = value
        if seen > total // 2:
            return Decimal(lower + value) / 2
    raise AssertionError("unreachable: the histogram ran out before its middle")


def _aware_day_range(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in local time, for datetime columns."""
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)),
    )


def _book(queryset: QuerySet, scope: Scope, company: str = "company__") -> QuerySet:
    if scope.owner_id is None:
        return queryset
    return queryset.filter(**{f"{company}owner_id": scope.owner_id})


# Records: the rows behind the figures (the drill-down lists exactly these).


def active_licenses(scope: Scope) -> QuerySet:
    """Licenses in force on `scope.today` (License.objects.active: started, not yet replaced
    by a renewal that has started); a scheduled license counts from its start date on."""
    return _book(License.objects.active(scope.today), scope)


def renewals_due(scope: Scope, days: int) -> QuerySet:
    """Active licenses whose term ends between today and today + `days` (not yet renewed)."""
    return _book(License.objects.renewals_due_within(days, scope.today), scope)


def licenses_up_for_renewal(scope: Scope) -> QuerySet:
    """Licenses whose renewal was decided in the 12 months before today: renewed or expired
    with a term end in that window, or cancelled (mid-term too) in it."""
    window = (scope.year_ago, scope.today - timedelta(days=1))
    return _book(
        License.objects.filter(
            Q(status__in=(License.Status.RENEWED, License.Status.EXPIRED), ends_on__range=window)
            | Q(status=License.Status.CANCELLED, cancelled_on__range=window)
        ),
        scope,
    )


def licenses_renewed(scope: Scope) -> QuerySet:
    return licenses_up_for_renewal(scope).filter(status=License.Status.RENEWED)


def trials_ended(scope: Scope) -> QuerySet:
    """Trials that ended (converted, expired or cancelled) in the period, by `ended_at`, and
    the active trials whose last day, in the period, has passed (Trial.objects.active leaves
    them out: they expired, swept or not); ended_on = the day of ended_at, or that last day."""
    after, before = _aware_day_range(scope.start, scope.end)
    running = Trial.objects.active(scope.today).values("pk")
    lapsed = Q(status=Trial.Status.ACTIVE, ends_on__range=(scope.start, scope.end))
    return _book(
        Trial.objects.filter(
            Q(status__in=TRIAL_ENDED, ended_at__gte=after, ended_at__lt=before)
            | (lapsed & ~Q(pk__in=running))
        ),
        scope,
    ).annotate(ended_on=Coalesce(TruncDate("ended_at"), "ends_on", output_field=DateField()))


def trials_converted(scope: Scope) -> QuerySet:
    return trials_ended(scope).filter(status=Trial.Status.CONVERTED)


def book_companies(scope: Scope) -> QuerySet:
    """The book's companies, archived ones left out."""
    return _book(Company.objects.active(), scope, company="")


def whitespace_value(annual_value: str = "annual_value"):
    """whitespace x annual value per seat of the top product (what the company pays today per
    user it covers), over a row with whitespace (or its expression) and top_product_seats."""
    return ExpressionWrapper(
        whitespace() * F(annual_value) / F("top_product_seats"), output_field=MONEY_FIELD
    )


def customers(scope: Scope) -> QuerySet:
    """Companies with at least one license in force, annotated by Company.with_seats (licensed
    seats, annual value, the top product's seats and the whitespace, defined there once),
    plus whitespace_value (see `whitespace_value`), ranked highest first."""
    in_force = License.objects.active(scope.today).filter(company=OuterRef("pk"))
    return (
        _book(Company.objects.filter(Exists(in_force)), scope, company="")
        .with_seats(scope.today)
        .annotate(whitespace_value=whitespace_value())
        .order_by("-whitespace_value", "name")
    )


def customer_seats(scope: Scope) -> QuerySet:
    """The customers (see `customers`) as rows grouped from their licenses in force: company,
    total_seats and total_value (licensed_seats and annual_value), top_product_seats,
    employee_count and target_seats, by Company.with_seats' definitions. An aggregate over
    these rows reads them as a subquery, each license once, where over `customers` every
    figure would run every per-company subquery again."""
    in_force = License.objects.active(scope.today)
    return (
        _book(in_force, scope)
        .per_company()
        .annotate(
            # One product in force (most customers): its seats are the total; the subquery
            # runs only for customers of several products.
            products=Count("product", distinct=True),
            top_product_seats=Case(
                When(products=1, then=F("total_seats")),
                default=in_force.top_product_seats(OuterRef("company")),
            ),
            employee_count=F("company__employee_count"),
            target_seats=F("company__target_seats"),
        )
    )


def _seat_changes_total(**filters):
    """Sum of a license's seat changes (those matching `filters`), as a subquery; 0 without."""
    changes = (
        SeatChange.objects.filter(license=OuterRef("pk"), **filters)
        .values("license")
        .annotate(total=Sum("delta"))
        .values("total")
    )
    return Coalesce(Subquery(changes, output_field=IntegerField()), 0)


def licenses_started(scope: Scope) -> QuerySet:
    """Licenses starting in the period (new business, trial conversions and renewals), with
    initial_seats = seats at the start (today's seats minus their seat changes) and, for a
    renewal, seats_change = initial seats - the seats of the license it renews."""
    return _book(License.objects.filter(starts_on__range=(scope.start, scope.end)), scope).annotate(
        initial_seats=F("seats") - _seat_changes_total(),
        seats_change=F("initial_seats") - F("renews__seats"),
    )


def new_licenses(scope: Scope) -> QuerySet:
    """Deals: licenses starting in the period that renew nothing (new or converted trials)."""
    return licenses_started(scope).filter(renews__isnull=True)


def seat_changes(scope: Scope) -> QuerySet:
    """Seat changes effective in the period."""
    return _book(
        SeatChange.objects.filter(effective_on__range=(scope.start, scope.end)),
        scope,
        company="license__company__",
    )


def licenses_lost(scope: Scope) -> QuerySet:
    """Licenses cancelled in the period (by cancelled_on) or expired unrenewed with a term
    ending in the period; lost_on is that day."""
    return _book(
        License.objects.filter(
            Q(status=License.Status.CANCELLED, cancelled_on__range=(scope.start, scope.end))
            | Q(status=License.Status.EXPIRED, ends_on__range=(scope.start, scope.end))
        ),
        scope,
    ).annotate(
        lost_on=Case(
            When(status=License.Status.CANCELLED, then=F("cancelled_on")),
            default=F("ends_on"),
            output_field=DateField(),
        )
    )


def licenses_a_year_ago(scope: Scope) -> QuerySet:
    """Licenses in force 12 months before today (term around that day, not cancelled by
    then), with seats_then = seats minus the seat changes effective after that day."""
    day = scope.year_ago
    return _book(
        License.objects.filter(starts_on__lte=day, ends_on__gte=day).exclude(cancelled_on__lte=day),
        scope,
    ).annotate(seats_then=F("seats") - _seat_changes_total(effective_on__gt=day))


def quotes_decided(scope: Scope) -> QuerySet:
    """Quotes accepted, declined or expired in the period (by the date of that answer; an
    expired quote marked lost later, by its expiry); each quote number counts once, at its
    latest sent revision."""
    decided_at = Coalesce("accepted_at", "expired_at", "declined_at")
    after, before = _aware_day_range(scope.start, scope.end)
    return _book(
        Quote.objects.latest_sent()
        .filter(status__in=QUOTE_DECIDED)
        .alias(decided_at=decided_at)
        .filter(decided_at__gte=after, decided_at__lt=before),
        scope,
    )


def quotes_won(scope: Scope) -> QuerySet:
    return quotes_decided(scope).filter(status=Quote.Status.ACCEPTED)


def licenses_gone_live(scope: Scope) -> QuerySet:
    """Licenses whose go-live date (set by onboarding) falls in the period, with
    days_to_live = live_on - starts_on."""
    return _book(License.objects.filter(live_on__range=(scope.start, scope.end)), scope).annotate(
        days_to_live=ExpressionWrapper(F("live_on") - F("starts_on"), output_field=DurationField())
    )
