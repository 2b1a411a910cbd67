"""Seat-block pricing: pure functions over Decimal, no database.

Prices are per seat per billing period. Volume pricing: every seat of a line is
priced at the tier that the billed seat count reaches.
"""

import calendar
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError

ZERO = Decimal("0")
HUNDRED = Decimal("100")
# ISO 4217 minor units where they differ from 2.
MINOR_UNITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}
# A tier hint is offered when the cheaper tier is at most this many blocks away.
HINT_MAX_EXTRA_BLOCKS = 2


@dataclass(frozen=True)
class Tier:
    min_seats: int
    unit_price: Decimal


@dataclass(frozen=True)
class LinePrice:
    requested_seats: int
    billed_seats: int
    seat_block_size: int
    unit_price: Decimal
    periods: Decimal
    line_total: Decimal

    @property
    def blocks(self) -> int:
        return self.billed_seats // self.seat_block_size


@dataclass(frozen=True)
class TierHint:
    extra_seats: int
    billed_seats: int
    unit_price: Decimal
    line_total: Decimal
    cheaper_in_total: bool


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount_amount: Decimal
    tax_amount: Decimal
    total: Decimal


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round money to the currency's minor unit, half up."""
    exponent = Decimal(1).scaleb(-MINOR_UNITS.get(currency.upper(), 2))
    return Decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    """The one way money is written for people, on pages, PDFs, emails and messages:
    1234.5 EUR -> "1,234.50 EUR" (rounded to the currency's minor unit, code after)."""
    return f"{quantize(amount, currency):,} {currency.upper()}"


def billed_seats(requested: int, seat_block_size: int) -> int:
    """Requested seats rounded up to a whole number of blocks."""
    if requested <= 0:
        raise ValidationError("Seats must be a positive number.")
    if seat_block_size <= 0:
        raise ValidationError("The seat block size must be a positive number.")
    return math.ceil(requested / seat_block_size) * seat_block_size


def unit_price_for(seats: int, tiers: Iterable[Tier]) -> Decimal:
    """The unit price of the highest tier whose minimum the seat count reaches."""
    reached = [tier for tier in tiers if tier.min_seats <= seats]
    if not reached:
        raise ValidationError(f"The price book has no price for {seats} seats.")
    return max(reached, key=lambda tier: tier.min_seats).unit_price


def periods_in_term(term_months: int, months_per_period: int) -> Decimal:
    """How many billing periods a term of `term_months` holds (12 months, yearly: 1)."""
    if term_months <= 0:
        raise ValidationError("The term must be at least one month.")
    return Decimal(term_months) / Decimal(months_per_period)


def price_line(
    *,
    requested_seats: int,
    seat_block_size: int,
    tiers: Sequence[Tier],
    term_months: int,
    months_per_period: int,
    currency: str,
    unit_price: Decimal | None = None,
) -> LinePrice:
    """Price one line; `unit_price` overrides the tiers (a license's locked price)."""
    billed = billed_seats(requested_seats, seat_block_size)
    price = unit_price_for(billed, tiers) if unit_price is None else unit_price
    periods = periods_in_term(term_months, months_per_period)
    return LinePrice(
        requested_seats=requested_seats,
        billed_seats=billed,
        seat_block_size=seat_block_size,
        unit_price=price,
        periods=periods,
        line_total=quantize(billed * price * periods, currency),
    )


def tier_hint(line: LinePrice, tiers: Sequence[Tier], currency: str) -> TierHint | None:
    """The next cheaper tier, when a few more seats (or a lower total) would reach it."""
    cheaper = sorted(
        (t for t in tiers if t.min_seats > line.billed_seats and t.unit_price < line.unit_price),
        key=lambda tier: tier.min_seats,
    )
    if not cheaper:
        return None
    tier = cheaper[0]
    seats = billed_seats(tier.min_seats, line.seat_block_size)
    total = quantize(seats * tier.unit_price * line.periods, currency)
    extra = seats - line.billed_seats
    cheaper_in_total = total <= line.line_total
    if not cheaper_in_total and extra > HINT_MAX_EXTRA_BLOCKS * line.seat_block_size:
        return None
    return TierHint(
        extra_seats=extra,
        billed_seats=seats,
        unit_price=tier.unit_price,
        line_total=total,
        cheaper_in_total=cheaper_in_total,
    )


def validate_percent(value: Decimal, field: str) -> None:
    if value is None or not ZERO <= value <= HUNDRED:
        raise ValidationError({field: "Enter a percentage between 0 and 100."})


def quote_totals(
    line_totals: Iterable[Decimal],
    *,
    discount_percent: Decimal,
    tax_percent: Decimal,
    currency: str,
) -> Totals:
    """Subtotal, discount, tax (on the discounted amount) and total, each rounded half up."""
    validate_percent(discount_percent, "discount_percent")
    validate_percent(tax_percent, "tax_percent")
    subtotal = quantize(sum(line_totals, ZERO), currency)
    discount = quantize(subtotal * discount_percent / HUNDRED, currency)
    tax = quantize((subtotal - discount) * tax_percent / HUNDRED, currency)
    return Totals(
        subtotal=subtotal,
        discount_amount=discount,
        tax_amount=tax,
        total=subtotal - discount + tax,
    )


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(starts_on: date, term_months: int) -> date:
    """Last day of a term of `term_months` starting on `starts_on`."""
    return add_months(starts_on, term_months) - timedelta(days=1)


def months_between(starts_on: date, ends_on: date) -> int:
    """Whole months of a term from its first to its last day, rounded up."""
    months = (ends_on.year - starts_on.year) * 12 + ends_on.month - starts_on.month
    while term_end(starts_on, months) < ends_on:
        months += 1
    return max(months, 1)


def term_days(starts_on: date, ends_on: date) -> int:
    """Days in a term whose start and end days are both included."""
    return (ends_on - starts_on).days + 1


def proration_factor(*, starts_on: date, ends_on: date, effective_on: date) -> Decimal:
    """Share of the term left from `effective_on` to the term's end, both days included."""
    if not starts_on <= effective_on <= ends_on:
        raise ValidationError(
            {"effective_on": f"The date must fall within the term ({starts_on} to {ends_on})."}
        )
    return Decimal(term_days(effective_on, ends_on)) / Decimal(term_days(starts_on, ends_on))


def prorate(full_amount: Decimal, factor: Decimal, currency: str) -> Decimal:
    """The part of a full-term amount that a proration factor leaves, never negative."""
    return max(quantize(full_amount * factor, currency), quantize(ZERO, currency))


# Seat usage


def utilisation(active_users: int, licensed_seats: int) -> Decimal | None:
    """Active users ÷ licensed seats, as a fraction to 4 places (0.9125 = 91.25 %); None when
    nothing is licensed. The one definition every page, list, email and figure reads."""
    if licensed_seats <= 0:
        return None
    return (Decimal(active_users) / Decimal(licensed_seats)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )


def true_up_seats(*, assigned_seats: int, licensed_seats: int) -> int:
    """The seats a license is short of what its users were assigned (0 when not over-deployed);
    a true-up quote asks for them, and pricing bills them in whole blocks."""
    return max(assigned_seats - licensed_seats, 0)
