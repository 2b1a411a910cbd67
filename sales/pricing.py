"""Pricing of a whole quote from its inputs, shared by the services, the quote builder's
live preview and the API. Reads products and tiers, writes nothing."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError

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


def needs_approval(discount_percent: Decimal) -> bool:
    return discount_percent > settings.QUOTE_APPROVAL_THRESHOLD_PERCENT


def _check_lines(lines: Sequence[LineInput], *, license: License | None, trial: Trial | None):
    errors = []
    for number, line in enumerate(lines, start=1):
        if line.requested_seats is None or line.requested_seats <= 0:
            errors.append(f"Line {number}: seats must be a positive number.")
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
    proration = None
    ends_on = pricing.term_end(starts_on, term_months)
    if expansion:
        proration = pricing.proration_factor(
            starts_on=license.starts_on, ends_on=license.ends_on, effective_on=starts_on
        )
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
        priced.append(PricedLine(product=product, price=price, months=term_months, hint=hint))
    totals = pricing.quote_totals(
        (line.price.line_total for line in priced),
        discount_percent=discount_percent,
        tax_percent=tax_percent,
        currency=currency,
    )
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
    )
