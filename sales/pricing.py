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


@dataclass(frozen=True)
class QuotePrice:
    currency: str
    lines: list[PricedLine]
    totals: pricing.Totals
    needs_approval: bool
    proration: Decimal | None = None


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
    if expansion:
        proration = pricing.proration_factor(
            starts_on=license.starts_on, ends_on=license.ends_on, effective_on=starts_on
        )
        term_months = pricing.months_between(license.starts_on, license.ends_on)
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
    # Each amount must fit its column (and the book's sums), whatever seats x price x term.
    for amount in (totals.subtotal, totals.total):
        limits.check_amount(amount, "lines")
    return QuotePrice(
        currency=currency,
        lines=priced,
        totals=totals,
        needs_approval=needs_approval(discount_percent),
        proration=proration,
    )
