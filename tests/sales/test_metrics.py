"""Every dashboard figure on one crafted book, each expected value worked out by hand.

Today is 2026-07-15; the period is January to June 2026. Companies (all owned by `am`
except Delta): Acme (headcount 200, target 120), Beta (headcount 50, no target), Cobalt (no
headcount, no target), Delta (owned by am2; headcount 100, target 60).

Licenses (yearly product at the stated price unless "monthly"):
  L1 Acme   20 seats at 40, 2026-02-01..2027-01-31, active, +10 seats on 2026-05-10 (30 now),
            live 2026-02-11 (10 days)
  L2 Beta   10 seats at 5.00 monthly, 2025-08-01..2026-07-31, active (renewal due in 16 days)
  L3 Cobalt 15 seats at 40, 2025-03-01..2026-02-28, +5 seats on 2025-10-01 (20 at the end),
            expired (not renewed)
  L4 Acme   25 seats at 35, 2025-01-01..2025-12-31, renewed by L5
  L5 Acme   30 seats at 35, 2026-01-01..2026-12-31, active (5 seats more than L4)
  L6 Beta   20 seats at 40, 2026-01-15..2027-01-14, cancelled mid-term on 2026-04-10,
            live 2026-02-18 (34 days)
  L7 Delta  10 seats at 40, 2026-03-01..2027-02-28, active, live 2026-03-21 (20 days)
  L8 Delta   5 seats at 40, 2025-10-01..2026-09-30, active (renewal due in 77 days)
  L9 Cobalt  5 seats at 40, 2026-06-01..2027-05-31, active
"""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from licensing.models import License, SeatChange
from sales import metrics
from sales.models import Quote
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db

TODAY = date(2026, 7, 15)
JANUARY, FEBRUARY, MARCH, APRIL, MAY, JUNE = (date(2026, month, 1) for month in range(1, 7))


def at(year, month, day, hour=12, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def book(company, product, account_manager, other_account_manager):
    acme = company  # headcount 200, target 120
    acme.name = "Acme"
    acme.save()
    beta = CompanyFactory(name="Beta", owner=account_manager, employee_count=50, target_seats=None)
    cobalt = CompanyFactory(
        name="Cobalt", owner=account_manager, employee_count=None, target_seats=None
    )
    delta = CompanyFactory(
        name="Delta", owner=other_account_manager, employee_count=100, target_seats=60
    )
    monthly = ProductFactory(billing_period="month", tiers=[(1, Decimal("5.00"))])

    def license(company, seats, price, starts_on, ends_on, **fields):
        return LicenseFactory(
            company=company,
            product=fields.pop("product", product),
            seats=seats,
            unit_price=Decimal(price),
            starts_on=starts_on,
            ends_on=ends_on,
            **fields,
        )

    l1 = license(acme, 30, "40", date(2026, 2, 1), date(2027, 1, 31), live_on=date(2026, 2, 11))
    SeatChange.objects.create(license=l1, delta=10, seats_after=30, effective_on=date(2026, 5, 10))
    license(beta, 10, "5.00", date(2025, 8, 1), date(2026, 7, 31), product=monthly)
    l3 = license(cobalt, 20, "40", date(2025, 3, 1), date(2026, 2, 28), status="expired")
    SeatChange.objects.create(license=l3, delta=5, seats_after=20, effective_on=date(2025, 10, 1))
    l4 = license(acme, 25, "35", date(2025, 1, 1), date(2025, 12, 31), status="renewed")
    license(acme, 30, "35", date(2026, 1, 1), date(2026, 12, 31), renews=l4)
    l6 = license(
        beta,
        20,
        "40",
        date(2026, 1, 15),
        date(2027, 1, 14),
        status=License.Status.CANCELLED,
        cancelled_on=date(2026, 4, 10),
        live_on=date(2026, 2, 18),
    )
    l7 = license(delta, 10, "40", date(2026, 3, 1), date(2027, 2, 28), live_on=date(2026, 3, 21))
    license(delta, 5, "40", date(2025, 10, 1), date(2026, 9, 30))
    license(cobalt, 5, "40", date(2026, 6, 1), date(2027, 5, 31))

    def trial(company, starts_on, status, ended_at, converted_license=None):
        return TrialFactory(
            company=company,
            product=product,
            starts_on=starts_on,
            ends_on=date(2026, 12, 31),
            status=status,
            ended_at=ended_at,
            converted_license=converted_license,
        )

    trial(acme, date(2026, 1, 5), "converted", at(2026, 1, 25), l1)  # 20 days
    trial(beta, date(2026, 1, 2), "converted", at(2026, 1, 14), l6)  # 12 days
    trial(cobalt, date(2026, 3, 1), "expired", at(2026, 3, 31))
    trial(cobalt, date(2026, 6, 1), "cancelled", at(2026, 6, 30, 23, 30))  # late on the last day
    trial(delta, date(2026, 2, 1), "converted", at(2026, 2, 20), l7)  # 19 days
    trial(acme, date(2026, 7, 1), "active", None)
    trial(beta, date(2026, 6, 1), "expired", at(2026, 7, 1, 0, 30))  # after the period

    # Quoted at the same price as `product`, which most of these companies already hold.
    quoted = ProductFactory(tiers=[(1, Decimal("40.00"))])

    def quote(company, status, decided_at, **fields):
        made = make_quote(company=company, product=quoted, seats=10)
        stamp = {"accepted": "accepted_at", "declined": "declined_at", "expired": "expired_at"}
        Quote.objects.filter(pk=made.pk).update(
            status=status, **({stamp[status]: decided_at} if status in stamp else {}), **fields
        )
        return made

    quote(acme, "accepted", at(2026, 3, 10))
    quote(acme, "declined", at(2026, 4, 1))
    quote(beta, "expired", at(2026, 5, 1))
    quote(delta, "accepted", at(2026, 2, 1))
    quote(acme, "sent", None)
    quote(beta, "accepted", at(2025, 12, 20))
    first = quote(beta, "declined", at(2026, 2, 10))
    quote(beta, "accepted", at(2026, 3, 1), previous_revision=first, revision=2)
    return {"am": account_manager, "am2": other_account_manager}


def scope(owner=None, start=JANUARY, end=date(2026, 6, 30)):
    return metrics.Scope(start=start, end=end, owner_id=owner and owner.pk, today=TODAY)


def test_active_seats_and_arr_count_only_active_licenses(book):
    # Active: L1 30, L2 10, L5 30, L7 10, L8 5, L9 5 = 90 seats.
    # ARR: 30x40 + 10x5x12 + 30x35 + 10x40 + 5x40 + 5x40 = 1200+600+1050+400+200+200 = 3650.
    assert metrics.book_today(scope()) == {
        "active_seats": 90,
        "arr": Decimal("3650.00"),
        "mrr": Decimal("304.17"),  # 3650 / 12 = 304.1666...
    }


def test_an_account_manager_s_book_leaves_other_owners_out(book):
    # Without Delta (L7, L8): 75 seats, ARR 3650 - 600 = 3050, MRR 254.1666...
    assert metrics.book_today(scope(book["am"])) == {
        "active_seats": 75,
        "arr": Decimal("3050.00"),
        "mrr": Decimal("254.17"),
    }


def test_trial_conversion_counts_the_trials_that_ended_in_the_period(book):
    figures = metrics.trial_conversion(scope())
    # Ended Jan-Jun: Acme, Beta (converted, Jan), Delta (converted, Feb), Cobalt (expired,
    # Mar; cancelled 30 June 23:30 local). Active and July ones are out.
    assert (figures["trials_ended"], figures["trials_converted"]) == (5, 3)
    assert figures["trial_conversion_rate"] == Decimal("0.6")
    assert figures["median_days_to_convert"] == Decimal("19")  # of 20, 12 and 19 days
    by_month = [(m.month, m.ended, m.converted, m.rate) for m in figures["conversion_by_month"]]
    assert by_month == [
        (JANUARY, 2, 2, Decimal("1")),
        (FEBRUARY, 1, 1, Decimal("1")),
        (MARCH, 1, 0, Decimal("0")),
        (APRIL, 0, 0, None),
        (MAY, 0, 0, None),
        (JUNE, 1, 0, Decimal("0")),
    ]


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two(book):
    figures = metrics.trial_conversion(scope(book["am"]))
    assert (figures["trials_ended"], figures["trials_converted"]) == (4, 2)
    assert figures["trial_conversion_rate"] == Decimal("0.5")
    assert figures["median_days_to_convert"] == Decimal("16")  # (12 + 20) / 2


def test_a_period_without_trials_has_no_conversion_rate(book):
    figures = metrics.trial_conversion(scope(start=date(2025, 1, 1), end=date(2025, 6, 30)))
    assert figures["trials_ended"] == figures["trials_converted"] == 0
    assert figures["trial_conversion_rate"] is None
    assert figures["median_days_to_convert"] is None


def test_penetration_leaves_out_a_customer_without_headcount(book):
    figures = metrics.penetration(scope())
    # Customers: Acme 60 seats / 200, Beta 10 / 50, Delta 15 / 100; Cobalt 5 seats, no headcount.
    assert figures["customers"] == 4
    assert figures["seat_penetration"] == Decimal("0.2429")  # 85 / 350
    assert figures["target_attainment"] == Decimal("0.4167")  # (60 + 15) / (120 + 60)
    assert {b.label: b.companies for b in figures["penetration_distribution"]} == {
        "under 10%": 0,
        "10–25%": 2,  # Beta 20 %, Delta 15 %
        "25–50%": 1,  # Acme 30 %
        "50–75%": 0,
        "75–100%": 0,
        "100% or more": 0,
        "no headcount": 1,  # Cobalt
    }


def test_whitespace_is_valued_at_each_company_s_current_price_and_ranked(book):
    figures = metrics.penetration(scope())
    # Acme: target 120 - 60 = 60 seats x (2250 / 60 = 37.50) = 2250.00
    # Beta: headcount 50 - 10 = 40 seats x (600 / 10 = 60.00) = 2400.00
    # Delta: target 60 - 15 = 45 seats x (600 / 15 = 40.00) = 1800.00; Cobalt: nothing to aim at.
    assert figures["whitespace_seats"] == 145
    assert figures["whitespace_value"] == Decimal("6450.00")
    ranked = [(c.name, c.whitespace, c.whitespace_value) for c in figures["opportunities"]]
    assert ranked == [
        ("Beta", 40, Decimal("2400.00")),
        ("Acme", 60, Decimal("2250.00")),
        ("Delta", 45, Decimal("1800.00")),
    ]
    mine = metrics.penetration(scope(book["am"]))
    assert (mine["seat_penetration"], mine["target_attainment"]) == (
        Decimal("0.2800"),  # 70 / 250
        Decimal("0.5000"),  # 60 / 120
    )
    assert (mine["whitespace_seats"], mine["whitespace_value"]) == (100, Decimal("4650.00"))


def test_seat_growth_counts_new_expansion_cancelled_and_not_renewed_seats_by_month(book):
    figures = metrics.seat_growth(scope())
    by_month = [
        (m.month, m.new, m.expansion, m.cancelled, m.not_renewed)
        for m in figures["seat_growth_by_month"]
    ]
    assert by_month == [
        (JANUARY, 20, 5, 0, 0),  # L6 new; L5 renews L4 with 5 seats more
        (FEBRUARY, 20, 0, 0, 20),  # L1 started with 20; L3 ended unrenewed with 20
        (MARCH, 10, 0, 0, 0),  # L7
        (APRIL, 0, 0, 20, 0),  # L6 cancelled mid-term
        (MAY, 0, 10, 0, 0),  # 10 seats added to L1
        (JUNE, 5, 0, 0, 0),  # L9
    ]
    assert (figures["seats_added"], figures["seats_lost"], figures["net_seat_growth"]) == (
        70,
        40,
        30,
    )
    mine = metrics.seat_growth(scope(book["am"]))
    assert (mine["seats_new"], mine["seats_expansion"]) == (45, 15)
    assert (mine["seats_added"], mine["seats_lost"], mine["net_seat_growth"]) == (60, 40, 20)


def test_deal_sizes_are_counted_in_blocks_of_the_product(book):
    figures = metrics.deal_sizes(scope())
    # New licenses: L1 20 seats, L6 20, L7 10, L9 5 on blocks of 5.
    assert figures["deals"] == 4
    assert [(size.blocks, size.deals) for size in figures["deals_by_blocks"]] == [
        (1, 1),
        (2, 1),
        (4, 2),
    ]
    assert figures["average_seats_per_deal"] == Decimal("13.8")  # 55 / 4 = 13.75


def test_renewals_due_within_30_60_and_90_days_with_their_annual_value(book):
    due = [(r.days, r.licenses, r.annual_value) for r in metrics.renewals(scope())]
    # L2 ends in 16 days (600 a year), L8 in 77 days (200 a year).
    assert due == [
        (30, 1, Decimal("600.00")),
        (60, 1, Decimal("600.00")),
        (90, 2, Decimal("800.00")),
    ]
    by_month = metrics.renewals_by_month(scope())
    assert [(m.month, m.licenses, m.annual_value) for m in by_month[:3]] == [
        (date(2026, 7, 1), 1, Decimal("600.00")),
        (date(2026, 8, 1), 0, Decimal("0.00")),
        (date(2026, 9, 1), 1, Decimal("200.00")),
    ]
    assert len(by_month) == 12 and by_month[5].licenses == 1  # L5 ends in December


def test_the_renewal_rate_counts_a_mid_term_cancellation_as_not_renewed(book):
    # From 2025-07-15 to 2026-07-14: L4 renewed, L3 expired, L6 cancelled.
    assert metrics.renewal_rate(scope()) == {
        "renewals_decided_12_months": 3,
        "renewals_renewed_12_months": 1,
        "renewal_rate_12_months": Decimal("0.3333"),
    }


def test_net_seat_retention_compares_a_year_ago_cohort_with_its_seats_today(book):
    # In force on 2025-07-15: L3 (Cobalt, 15: its 5 more seats came later) and L4 (Acme, 25).
    # Today Acme holds 60 and Cobalt 5: 65 / 40.
    assert metrics.net_seat_retention(scope()) == {
        "seats_a_year_ago": 40,
        "seats_now_of_that_cohort": 65,
        "net_seat_retention_12_months": Decimal("1.625"),
    }


def test_quote_win_rate_counts_each_quote_number_once_by_its_last_revision(book):
    # Decided Jan-Jun: Acme accepted and declined, Beta expired, Delta accepted, Beta's
    # revision 2 accepted (its declined revision 1 does not count).
    assert metrics.quote_win_rate(scope()) == {
        "quotes_decided": 5,
        "quotes_won": 3,
        "quote_win_rate": Decimal("0.6"),
        "median_days_to_close": None,  # none of these was sent
    }
    assert metrics.quote_win_rate(scope(book["am"]))["quote_win_rate"] == Decimal("0.5")


def test_time_to_go_live_is_the_median_of_days_from_start_to_live(book):
    assert metrics.time_to_live(scope()) == {
        "licenses_gone_live": 3,
        "median_days_to_go_live": Decimal("20"),  # 10, 20, 34
    }
    assert metrics.time_to_live(scope(book["am"]))["median_days_to_go_live"] == Decimal("22")


def test_the_whole_dashboard_takes_the_same_queries_whatever_the_data_size(
    book, product, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as small:
        metrics.dashboard(scope())
    # 24 queries (the usage lists' ranking among them, 3: what the snapshot stores), plus a
    # savepoint, SET LOCAL jit and its release on PostgreSQL.
    assert len(small) == (27 if connection.vendor == "postgresql" else 24)
    for _ in range(5):
        company = CompanyFactory(owner=book["am"])
        license = LicenseFactory(company=company, product=product, starts_on=date(2026, 3, 1))
        SeatChange.objects.create(license=license, delta=5, seats_after=25, effective_on=MAY)
        TrialFactory(company=company, product=product, status="expired", ended_at=at(2026, 4, 1))
    with django_assert_num_queries(len(small)):
        metrics.dashboard(scope())


@pytest.mark.parametrize(
    ("histogram", "median"),
    [
        ({}, None),
        ({7: 1}, Decimal("7")),
        ({3: 2, 9: 1}, Decimal("3")),
        ({1: 1, 4: 1}, Decimal("2.5")),
    ],
)
def test_median_of_a_histogram(histogram, median):
    assert metrics.median_of(histogram) == median


def test_seats_dropped_at_renewal_count_as_not_renewed(company, product):
    # 20 seats renewed as 10 on 2026-03-01: 10 seats not renewed in March, nothing new.
    first = LicenseFactory(
        company=company,
        product=product,
        seats=20,
        starts_on=date(2025, 3, 1),
        ends_on=date(2026, 2, 28),
        status="renewed",
    )
    LicenseFactory(
        company=company,
        product=product,
        seats=10,
        starts_on=date(2026, 3, 1),
        ends_on=date(2027, 2, 28),
        renews=first,
    )
    figures = metrics.seat_growth(scope())
    march = figures["seat_growth_by_month"][2]
    assert (march.month, march.new, march.expansion, march.not_renewed) == (MARCH, 0, 0, 10)
    assert figures["net_seat_growth"] == -10
