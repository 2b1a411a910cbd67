"""What the feed keeps per license after a batch (licensing.services.usage): the counts it
answers, the latest report, the expansion window and the adoption days of the summary."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from licensing.models import License, UsageSummary
from licensing.services import add_seats, record_usage

pytestmark = pytest.mark.django_db


def ago(days):
    return timezone.localdate() - timedelta(days=days)


def report(license, days_ago, active, assigned=50):
    return {
        "license": license.pk,
        "date": ago(days_ago).isoformat(),
        "assigned_seats": assigned,
        "active_users_30d": active,
    }


def summary(license):
    return UsageSummary.objects.get(license=license)


def test_a_batch_counts_its_new_replaced_and_unchanged_rows(license):
    record_usage(rows=[report(license, 3, 20), report(license, 2, 21)])

    result = record_usage(
        rows=[report(license, 3, 20), report(license, 2, 25), report(license, 1, 30)]
    )

    assert (result.created, result.replaced, result.unchanged) == (1, 1, 1)


def test_the_summary_holds_the_latest_report_against_the_licensed_seats(license):
    record_usage(rows=[report(license, 2, 20), report(license, 1, 40, assigned=45)])

    latest = summary(license)
    assert (latest.day, latest.assigned_seats, latest.active_users_30d) == (ago(1), 45, 40)
    assert latest.active_share == 0.8  # 40 of the license's 50 seats


def test_a_backfill_of_older_days_leaves_the_later_report_the_latest(license):
    record_usage(rows=[report(license, 1, 30)])

    record_usage(rows=[report(license, 5, 10), report(license, 4, 12)])

    latest = summary(license)
    assert (latest.day, latest.active_users_30d) == (ago(1), 30)
    assert (latest.lowest_active_window, latest.days_reported_window) == (10, 3)


def test_the_window_counts_only_the_expansion_days_before_the_latest_report(license, settings):
    settings.USAGE_EXPANSION_DAYS = 14
    record_usage(rows=[report(license, 20, 5), report(license, 14, 8), report(license, 1, 30)])

    latest = summary(license)
    assert (latest.lowest_active_window, latest.days_reported_window) == (8, 2)


def test_adoption_days_count_from_go_live_and_only_ever_come_earlier(license):
    license.live_on = ago(20)
    license.save()

    record_usage(rows=[report(license, 25, 50), report(license, 5, 26)])
    assert (summary(license).adoption_50_on, summary(license).adoption_80_on) == (ago(5), None)

    record_usage(rows=[report(license, 2, 10)])
    assert summary(license).adoption_50_on == ago(5)

    record_usage(rows=[report(license, 8, 40)])
    assert (summary(license).adoption_50_on, summary(license).adoption_80_on) == (ago(8), ago(8))


def test_adding_seats_moves_the_license_to_the_utilisation_band_of_its_new_seats(
    license, account_manager
):
    record_usage(rows=[report(license, 1, 46)])  # 46 of 50 seats: 92 %
    assert list(License.objects.in_utilisation_band("high")) == [license]

    add_seats(
        license=license,
        seats=50,
        effective_on=timezone.localdate(),
        prorated_amount=Decimal("100.00"),
        actor=account_manager,
    )

    assert (summary(license).licensed_seats, summary(license).active_share) == (100, 0.46)
    assert list(License.objects.in_utilisation_band("low")) == [license]
    assert not License.objects.in_utilisation_band("high").exists()


@pytest.mark.parametrize(("active", "band"), [(29, "low"), (30, None), (44, None), (45, "high")])
def test_a_band_starts_at_its_threshold_exactly(license, settings, active, band):
    settings.USAGE_RISK_THRESHOLD, settings.USAGE_EXPANSION_THRESHOLD = 60, 90
    record_usage(rows=[report(license, 1, active)])  # of 50 seats

    in_bands = [name for name in ("low", "high") if License.objects.in_utilisation_band(name)]

    assert in_bands == ([band] if band else [])
