"""The license page's seat usage: utilisation now, its trend, the chart's numbers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from licensing.models import SeatChange, UsageRecord, license_usage
from licensing.services import record_usage
from tests.licensing.factories import LicenseFactory


@pytest.fixture
def license(company, product):
    today = timezone.localdate()
    return LicenseFactory(
        company=company,
        product=product,
        seats=50,
        starts_on=today - timedelta(days=200),
        ends_on=today + timedelta(days=165),
    )


def report(license, days_ago, assigned, active):
    UsageRecord.objects.create(
        license=license,
        day=timezone.localdate() - timedelta(days=days_ago),
        assigned_seats=assigned,
        active_users_30d=active,
    )


def test_utilisation_is_active_users_over_licensed_seats_and_the_trend_compares_28_days(license):
    report(license, 40, 30, 20)
    report(license, 28, 40, 30)  # 60 %
    report(license, 0, 48, 45)  # 90 %

    usage = license_usage(license)

    assert usage.utilisation == Decimal("0.9000")
    assert usage.trend == Decimal("0.3000")
    assert usage.missing_seats == 0


def test_each_day_counts_against_the_seats_licensed_that_day(license):
    SeatChange.objects.create(
        license=license,
        delta=10,
        seats_after=50,
        effective_on=timezone.localdate() - timedelta(days=5),
    )  # 40 seats before
    report(license, 10, 44, 40)

    point = license_usage(license).latest

    assert (point.licensed_seats, point.utilisation) == (40, Decimal("1.0000"))
    assert license_usage(license).missing_seats == 4


def test_the_license_page_shows_utilisation_trend_and_the_chart_numbers(
    client, account_manager, license, django_assert_max_num_queries
):
    for days_ago in range(0, 90):
        report(license, days_ago, 45, 30 + days_ago % 5)
    client.force_login(account_manager)

    with django_assert_max_num_queries(20):
        page = client.get(reverse("license_detail", args=[license.pk])).content.decode()

    assert "Utilisation" in page and "60.0%" in page
    assert "Trend, 28 days" in page
    assert 'id="usage-chart-data"' in page and page.count("<tr><td>20") >= 90
    assert "js/usage_chart.js" in page


def test_a_license_without_usage_says_so(client, account_manager, license):
    client.force_login(account_manager)

    page = client.get(reverse("license_detail", args=[license.pk])).content.decode()

    assert "No usage reported in the last 90 days." in page
    assert "usage_chart.js" not in page


def test_the_company_page_shows_utilisation_per_product_next_to_penetration(
    client, account_manager, company, license
):
    today = timezone.localdate().isoformat()
    record_usage(
        rows=[{"license": license.pk, "date": today, "assigned_seats": 45, "active_users_30d": 40}]
    )
    client.force_login(account_manager)

    page = client.get(reverse("company_detail", args=[company.pk])).content.decode()

    assert '<th scope="col" class="number">Utilisation</th>' in page
    assert '<td class="number">40</td><td class="number">80.0%</td>' in page


def test_the_license_page_shows_the_days_from_go_live_to_half_the_seats_active(
    client, account_manager, license
):
    today = timezone.localdate()
    license.live_on = today - timedelta(days=20)
    license.save()
    record_usage(
        rows=[
            {"license": license.pk, "date": (today - timedelta(days=days_ago)).isoformat(),
             "assigned_seats": 45, "active_users_30d": active}
            for days_ago, active in ((19, 10), (8, 26), (0, 30))
        ]
    )  # fmt: skip
    client.force_login(account_manager)

    page = client.get(reverse("license_detail", args=[license.pk])).content.decode()

    assert "50% active after 12 days; 80% not yet" in page
