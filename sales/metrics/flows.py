"""The figures about flows in the chosen period, `Scope.start` to `Scope.end`, both days
included: trial conversion, seats added and lost, deal sizes, quote win rate and time to
go-live, the first two also by calendar month. Each figure is defined in its function's
docstring, over the records of records.py."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Greatest, Least, TruncDate, TruncMonth
from django.utils import timezone

from licensing.models import License, Trial
from sales.metrics.records import (
    Scope,
    licenses_gone_live,
    licenses_lost,
    licenses_started,
    median_of,
    months_of,
    new_licenses,
    quotes_decided,
    rate,
    seat_changes,
    trials_converted,
    trials_ended,
)
from sales.models import Quote


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
class LostReason:
    """Quotes declined in the period for one reason, and what they were worth."""

    reason: str  # a Quote.DeclineReason, or "" when none was given
    label: str
    quotes: int
    value: Decimal


@dataclass(frozen=True)
class ConversionMonth:
    month: date
    ended: int
    converted: int

    @property
    def rate(self) -> Decimal | None:
        return rate(self.converted, self.ended)


@dataclass(frozen=True)
class DealSize:
    blocks: int
    deals: int


def trial_conversion(scope: Scope) -> dict:
    """Trial conversion rate = trials converted / trials ended in the period (by ended_on);
    median days to convert = median of (conversion day - trial start day) of those converted;
    also by calendar month of ending."""
    rows = (
        trials_ended(scope)
        .annotate(month=TruncMonth("ended_on"))
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
    (see quotes_decided); time to close = median days from a quote number's first sending
    to its acceptance, over the quotes won. Accepted online or marked accepted: alike."""
    first_sent = (
        Quote.objects.filter(number=OuterRef("number"), sent_at__isnull=False)
        .order_by("sent_at")
        .values("sent_at")[:1]
    )
    days = ExpressionWrapper(
        TruncDate("accepted_at") - TruncDate(Subquery(first_sent)), output_field=DurationField()
    )
    rows = (
        quotes_decided(scope)
        .annotate(days_to_close=days)
        .values("status", "days_to_close")
        .annotate(quotes=Count("pk"))
    )
    decided, won, to_close = 0, 0, {}
    for row in rows:
        decided += row["quotes"]
        if row["status"] == Quote.Status.ACCEPTED:
            won += row["quotes"]
            if row["days_to_close"] is not None:
                day = _days(row["days_to_close"])
                to_close[day] = to_close.get(day, 0) + row["quotes"]
    return {
        "quotes_decided": decided,
        "quotes_won": won,
        "quote_win_rate": rate(won, decided),
        "median_days_to_close": median_of(to_close),
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


def lost_reasons(scope: Scope) -> dict:
    """Why we lose: the quotes declined in the period (see quotes_decided) by their decline
    reason, most frequent first, with their total (taxes included) in the house currency."""
    rows = (
        quotes_decided(scope)
        .filter(status=Quote.Status.DECLINED)
        .values("decline_reason_code")
        .annotate(quotes=Count("pk"), value=Sum("total"))
    )
    labels = {"": "Not given", **dict(Quote.DeclineReason.choices)}
    reasons = [
        LostReason(
            reason=row["decline_reason_code"],
            label=labels[row["decline_reason_code"]],
            quotes=row["quotes"],
            value=row["value"] or Decimal("0.00"),
        )
        for row in rows
    ]
    reasons.sort(key=lambda each: (-each.quotes, each.reason == "", each.label))
    return {"lost_reasons": reasons}
