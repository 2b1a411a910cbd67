from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from licensing import pricing
from licensing.pricing import Tier

TIERS = [Tier(1, Decimal("40.00")), Tier(25, Decimal("35.00")), Tier(100, Decimal("30.00"))]


def line(requested, block=5, tiers=TIERS, term_months=12):
    return pricing.price_line(
        requested_seats=requested,
        seat_block_size=block,
        tiers=tiers,
        term_months=term_months,
        months_per_period=12,
        currency="EUR",
    )


@pytest.mark.parametrize(
    ("requested", "block", "billed"),
    [(23, 5, 25), (23, 10, 30), (20, 10, 20), (1, 5, 5), (5, 5, 5)],
)
def test_requested_seats_round_up_to_the_block(requested, block, billed):
    assert pricing.billed_seats(requested, block) == billed


@pytest.mark.parametrize("requested", [0, -5])
def test_zero_or_negative_seats_are_refused(requested):
    with pytest.raises(ValidationError, match="positive"):
        pricing.billed_seats(requested, 5)


def test_every_seat_is_priced_at_the_tier_the_billed_seats_reach():
    priced = line(23)
    assert priced.billed_seats == 25
    assert priced.unit_price == Decimal("35.00")
    assert priced.line_total == Decimal("875.00")


def test_a_monthly_price_over_a_yearly_term_counts_twelve_periods():
    priced = pricing.price_line(
        requested_seats=10,
        seat_block_size=10,
        tiers=[Tier(1, Decimal("4.99"))],
        term_months=12,
        months_per_period=1,
        currency="EUR",
    )
    assert priced.line_total == Decimal("598.80")


def test_seats_below_every_tier_have_no_price():
    with pytest.raises(ValidationError, match="no price for 5 seats"):
        pricing.unit_price_for(5, [Tier(10, Decimal("1"))])


def test_totals_round_half_up_to_the_cent():
    totals = pricing.quote_totals(
        [Decimal("100.05")],
        discount_percent=Decimal("10"),
        tax_percent=Decimal("20"),
        currency="EUR",
    )
    # 10.005 -> 10.01; (100.05 - 10.01) * 20% = 18.008 -> 18.01
    assert totals == pricing.Totals(
        Decimal("100.05"), Decimal("10.01"), Decimal("18.01"), Decimal("108.05")
    )


def test_yen_has_no_minor_unit():
    assert pricing.quantize(Decimal("1234.5"), "JPY") == Decimal("1235")


@pytest.mark.parametrize("discount", [Decimal("-1"), Decimal("100.01")])
def test_a_discount_outside_0_to_100_is_refused(discount):
    with pytest.raises(ValidationError) as error:
        pricing.quote_totals(
            [Decimal("1")], discount_percent=discount, tax_percent=Decimal("0"), currency="EUR"
        )
    assert "discount_percent" in error.value.message_dict


def test_the_hint_shows_when_a_few_more_seats_cost_less_in_total():
    hint = pricing.tier_hint(line(20), TIERS, "EUR")
    # 20 seats at 40 = 800; 25 seats at 35 = 875: five more seats for 75 more.
    assert (hint.extra_seats, hint.unit_price, hint.line_total) == (
        5,
        Decimal("35.00"),
        Decimal("875.00"),
    )
    assert not hint.cheaper_in_total


def test_the_hint_says_when_more_seats_are_cheaper_overall():
    tiers = [Tier(1, Decimal("50.00")), Tier(25, Decimal("30.00"))]
    hint = pricing.tier_hint(line(22, block=1, tiers=tiers), tiers, "EUR")
    assert hint.billed_seats == 25 and hint.line_total == Decimal("750.00")
    assert hint.cheaper_in_total


def test_no_hint_when_the_cheaper_tier_is_far_away_and_costs_more():
    assert pricing.tier_hint(line(30), TIERS, "EUR") is None


def test_proration_of_an_expansion():
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    assert pricing.proration_factor(starts_on=start, ends_on=end, effective_on=start) == 1
    last_day = pricing.proration_factor(starts_on=start, ends_on=end, effective_on=end)
    assert last_day == Decimal(1) / Decimal(365)
    assert pricing.prorate(Decimal("1000.00"), last_day, "EUR") == Decimal("2.74")


def test_proration_outside_the_term_is_refused():
    with pytest.raises(ValidationError):
        pricing.proration_factor(
            starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), effective_on=date(2027, 1, 1)
        )


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 1, 1), 12, date(2026, 12, 31)),
        (date(2026, 1, 31), 1, date(2026, 2, 27)),
        (date(2024, 2, 29), 12, date(2025, 2, 27)),
        (date(2026, 3, 15), 24, date(2028, 3, 14)),
    ],
)
def test_term_end_is_the_day_before_the_same_date_months_later(start, months, end):
    assert pricing.term_end(start, months) == end
    assert pricing.months_between(start, end) == months


tiers_strategy = st.lists(
    st.tuples(st.integers(2, 500), st.decimals("0.01", "500", places=2)), max_size=3
).map(lambda extra: [Tier(1, Decimal("60.00"))] + [Tier(m, p) for m, p in extra])


@given(requested=st.integers(1, 5000), block=st.integers(1, 50), tiers=tiers_strategy)
def test_billed_seats_are_whole_blocks_covering_the_request(requested, block, tiers):
    priced = line(requested, block=block, tiers=tiers)
    assert priced.billed_seats >= requested
    assert priced.billed_seats % block == 0
    assert priced.billed_seats - requested < block
    assert priced.line_total >= 0


@given(
    seats=st.integers(1, 200),
    extra=st.integers(1, 200),
    price=st.decimals("0.00", "999", places=2),
    months=st.integers(1, 60),
)
def test_the_total_grows_with_the_seats_within_a_tier(seats, extra, price, months):
    tiers = [Tier(1, price)]
    assert (
        line(seats + extra, block=1, tiers=tiers, term_months=months).line_total
        >= line(seats, block=1, tiers=tiers, term_months=months).line_total
    )


@given(
    subtotals=st.lists(st.decimals("0", "100000", places=2), max_size=5),
    discount=st.decimals("0", "100", places=2),
    tax=st.decimals("0", "100", places=2),
)
def test_totals_are_never_negative(subtotals, discount, tax):
    totals = pricing.quote_totals(
        subtotals, discount_percent=discount, tax_percent=tax, currency="EUR"
    )
    assert min(totals.subtotal, totals.discount_amount, totals.tax_amount, totals.total) >= 0
    assert totals.total == totals.subtotal - totals.discount_amount + totals.tax_amount


@given(
    start=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    days=st.integers(1, 1000),
    offset=st.integers(0, 1000),
    amount=st.decimals("0", "100000", places=2),
)
def test_proration_is_between_nothing_and_the_full_price(start, days, offset, amount):
    end = start + timedelta(days=days)
    effective = min(start + timedelta(days=offset), end)
    factor = pricing.proration_factor(starts_on=start, ends_on=end, effective_on=effective)
    prorated = pricing.prorate(amount, factor, "EUR")
    assert 0 <= prorated <= amount
    full = pricing.proration_factor(starts_on=start, ends_on=end, effective_on=start)
    assert pricing.prorate(amount, full, "EUR") == amount
