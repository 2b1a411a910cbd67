"""Each company's stored lowest utilisation (licensing.models.CompanyUtilisation), which the
company list filters and sorts by, stays equal to the one computed from its licenses
(CompanyQuerySet.with_utilisation) after every writer: the feed, a replacing batch, a seat
change, a cancellation, an expiry, a renewal, and the nightly refresh for what time changes.
(The bulk seed: tests/licensing/test_demo_usage.py.)"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Company
from config.celery import app as celery_app
from licensing import tasks
from licensing.models import CompanyUtilisation
from licensing.services import (
    add_seats,
    cancel_license,
    expire_license,
    record_usage,
    renew_license,
)
from licensing.services.usage import refresh_stored_utilisation
from tests.licensing.factories import LicenseFactory, ProductFactory

pytestmark = pytest.mark.django_db


def ago(days):
    return timezone.localdate() - timedelta(days=days)


def report(license, *, active, assigned=50, days_ago=1):
    record_usage(
        rows=[
            {"license": license.pk, "date": ago(days_ago).isoformat(),
             "assigned_seats": assigned, "active_users_30d": active}
        ]
    )  # fmt: skip


def stored(company):
    return CompanyUtilisation.objects.get(company=company).lowest_utilisation


def computed(company, today=None):
    return Company.objects.with_utilisation(today).get(pk=company.pk).lowest_utilisation


@pytest.fixture
def second_license(license):
    """Another product of the same company, 20 seats, in force."""
    return LicenseFactory(
        company=license.company,
        product=ProductFactory(),
        seats=20,
        starts_on=license.starts_on,
        ends_on=license.ends_on,
    )


def test_a_feed_batch_stores_the_companys_least_used_license(license, second_license):
    report(license, active=40)  # 80 %
    report(second_license, active=6, assigned=10)  # 30 %

    assert stored(license.company) == computed(license.company) == 0.3


def test_a_replacing_batch_of_the_same_day_moves_the_stored_figure(license, second_license):
    report(license, active=40)
    report(second_license, active=6, assigned=10)

    report(second_license, active=18, assigned=20)  # the same day again: 90 %

    assert stored(license.company) == computed(license.company) == 0.8


def test_a_company_without_fresh_usage_stores_none(license):
    report(license, active=40, days_ago=10)  # older than FRESH_DAYS

    assert stored(license.company) is computed(license.company) is None


def test_adding_seats_lowers_the_stored_utilisation(license, account_manager):
    report(license, active=40)  # of 50 seats

    add_seats(
        license=license,
        seats=50,
        effective_on=timezone.localdate(),
        prorated_amount=Decimal("100.00"),
        actor=account_manager,
    )

    assert stored(license.company) == computed(license.company) == 0.4


def test_cancelling_the_least_used_license_leaves_the_next_ones_figure(
    license, second_license, account_manager
):
    report(license, active=40)
    report(second_license, active=6, assigned=10)

    cancel_license(license=second_license, actor=account_manager)

    assert stored(license.company) == computed(license.company) == 0.8


def test_expiring_a_license_takes_its_usage_out_of_the_stored_figure(company, product):
    license = LicenseFactory(
        company=company, product=product, seats=50, starts_on=ago(365), ends_on=ago(2)
    )
    report(license, active=10, days_ago=2)
    assert stored(company) == 0.2

    expire_license(license=license)

    assert stored(company) is computed(company) is None


def test_a_renewal_keeps_the_figure_until_the_old_term_ends_then_the_night_drops_it(
    company, product, account_manager
):
    license = LicenseFactory(
        company=company, product=product, seats=50, starts_on=ago(360), ends_on=ago(-4)
    )
    report(license, active=10)
    renew_license(
        license=license,
        seats=50,
        unit_price=license.unit_price,
        starts_on=license.ends_on + timedelta(days=1),
        ends_on=license.ends_on + timedelta(days=365),
        actor=account_manager,
    )
    assert stored(company) == computed(company) == 0.2  # the renewed term still runs

    the_day_after = license.ends_on + timedelta(days=1)
    refresh_stored_utilisation(today=the_day_after)

    assert stored(company) is computed(company, the_day_after) is None


def test_the_nightly_task_drops_a_report_that_has_grown_stale(license, second_license):
    report(license, active=40, days_ago=1)
    report(second_license, active=6, assigned=10, days_ago=6)  # stale from tomorrow on
    assert stored(license.company) == 0.3

    tasks.refresh_stored_utilisation()
    assert stored(license.company) == computed(license.company) == 0.3

    tomorrow = timezone.localdate() + timedelta(days=1)
    refresh_stored_utilisation(today=tomorrow)
    assert stored(license.company) == computed(license.company, tomorrow) == 0.8


def test_beat_refreshes_the_stored_utilisation_just_after_midnight():
    entry = celery_app.conf.beat_schedule["refresh-stored-utilisation"]
    assert entry["task"] == tasks.refresh_stored_utilisation.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {1})
