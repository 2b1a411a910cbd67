"""Pricing of a whole quote from its inputs, shared by the services, the quote builder's
live preview and the API. Reads products and tiers, writes nothing."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError

from accounts import limits
from licensing import pricing
from licensing.models import License, Product, Trial


@dataclass(frozen=True)
class LineInput:
    product: Product
    requested_seats: int


@dataclass(frozen=True)
class PricedLine:
    product: Product
    price: pricing.LinePrice
    months: int
    hint: pricing.TierHint | None
    formula: str = ""


@dataclass(frozen=True)
class Coterm:
    """The period an expansion pays for: from its first day to the license's last, `days`
    of the license term's `term_days` (both ends included); line totals are the full-term
    price times days / term_days."""

    starts_on: date
    ends_on: date
    days: int
    term_days: int

    @property
    def fraction(self) -> str:
        return f"{self.days}/{self.term_days}"


def line_formula(
    *,
    billed_seats: int,
    unit_price: Decimal,
    periods: Decimal,
    coterm: Coterm | None,
    line_total: Decimal,
    currency: str,
) -> str:
    """How a line total comes about: "15 × 36.00 × 134/365 = 198.25 EUR"; a price per
    month shows its periods: "15 × 3.00 × 12 × 134/365 = 198.25 EUR"."""
    factors = [str(billed_seats), f"{unit_price:,}"]
    if periods != 1:
        factors.append(f"{periods.normalize():f}")
    if coterm is not None:
        factors.append(coterm.fraction)
    return f"{' × '.join(factors)} = {line_total:,} {currency}"


def coterm(*, license: License, effective_on: date) -> Coterm:
    """The co-termed period of seats added to `license` from `effective_on`."""
    # The same share as licensing's proration_factor, which refuses a day outside the term.
    pricing.proration_factor(
        starts_on=license.starts_on, ends_on=license.ends_on, effective_on=effective_on
    )
    return Coterm(
        starts_on=effective_on,
        ends_on=license.ends_on,
        days=pricing.term_days(effective_on, license.ends_on),
        term_days=pricing.term_days(license.starts_on, license.ends_on),
    )


@dataclass(frozen=True)
class QuotePrice:
    """Everything the customer pays for: two prices that compare equal charge the same
    amounts for the same seats over the same period."""

    currency: str
    lines: list[PricedLine]
    totals: pricing.Totals
    needs_approval: bool
    starts_on: date
    ends_on: date
    discount_percent: Decimal
    tax_percent: Decimal
    proration: Decimal | None = None
    coterm: Coterm | None = None


def needs_approval(discount_percent: Decimal) -> bool:
    return discount_percent > settings.QUOTE_APPROVAL_THRESHOLD_PERCENT


def _check_lines(lines: Sequence[LineInput], *, license: License | None, trial: Trial | None):
    errors = []
    if len(lines) > limits.MAX_QUOTE_LINES:
        errors.append(f"A quote has at most {limits.MAX_QUOTE_LINES} lines.")
    for number, line in enumerate(lines, start=1):
        try:
            limits.check_seats(line.requested_seats, per="line")
        except ValidationError as error:
            errors.extend(f"Line {number}: {message}" for message in error.messages)
        if not line.product.active:
            errors.append(f"Line {number}: {line.product} is no longer sold.")
    concerned = license.product if license else trial.product if trial else None
    if concerned and (len(lines) != 1 or lines[0].product != concerned):
        errors.append(f"This quote has exactly one line, for {concerned}.")
    first_line = {}
    for number, line in enumerate(lines, start=1):
        if line.product in first_line:
            errors.append(
                f"Line {number}: {line.product} is already on line {first_line[line.product]}; "
                "put all its seats on one line (the seat count sets the price tier)."
            )
        first_line.setdefault(line.product, number)
    if len({line.product.currency for line in lines}) > 1:
        errors.append("All lines of a quote must be in one currency.")
    if errors:
        raise ValidationError({"lines": errors})


def price_quote(
    *,
    lines: Sequence[LineInput],
    term_months: int,
    starts_on: date,
    discount_percent: Decimal,
    tax_percent: Decimal,
    license: License | None = None,
    trial: Trial | None = None,
    expansion: bool = False,
) -> QuotePrice:
    """Price every line and the totals. An expansion is priced at its license's locked unit
    price, prorated from `starts_on` to the license's end (co-termed)."""
    _check_lines(lines, license=license, trial=trial)
    currency = lines[0].product.currency if lines else settings.SEATDESK_CURRENCY
    proration = period = None
    ends_on = pricing.term_end(starts_on, term_months)
    if expansion:
        period = coterm(license=license, effective_on=starts_on)
        proration = Decimal(period.days) / Decimal(period.term_days)
        term_months = pricing.months_between(license.starts_on, license.ends_on)
        ends_on = license.ends_on
    priced = []
    for line in lines:
        product = line.product
        tiers = product.tiers()
        price = pricing.price_line(
            requested_seats=line.requested_seats,
            seat_block_size=product.seat_block_size,
            tiers=tiers,
            term_months=term_months,
            months_per_period=product.months_per_period,
            currency=currency,
            unit_price=license.unit_price if expansion else None,
        )
        hint = None
        if expansion:
            price = replace(
                price, line_total=pricing.prorate(price.line_total, proration, currency)
            )
        else:
            hint = pricing.tier_hint(price, tiers, currency)
        formula = line_formula(
            billed_seats=price.billed_seats,
            unit_price=price.unit_price,
            periods=price.periods,
            coterm=period,
            line_total=price.line_total,
            currency=currency,
        )
        priced.append(
            PricedLine(product=product, price=price, months=term_months, hint=hint, formula=formula)
        )
    totals = pricing.quote_totals(
        (line.price.line_total for line in priced),
        discount_percent=discount_percent,
        tax_percent=tax_percent,
        currency=currency,
    )
    # Each amount must fit its column (and the book's sums), whatever seats x price x term.
    for amount in (totals.subtotal, totals.total):
        limits.check_amount(amount, "lines")
    return QuotePrice(
        currency=currency,
        lines=priced,
        totals=totals,
        needs_approval=needs_approval(discount_percent),
        starts_on=starts_on,
        ends_on=ends_on,
        discount_percent=discount_percent,
        tax_percent=tax_percent,
        proration=proration,
        coterm=period,
    )
