from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Activity
from licensing import services
from licensing.models import License, Trial, annual_value_expression
from licensing.signals import license_started, seats_added
from tests.licensing.factories import LicenseFactory, TrialFactory

pytestmark = pytest.mark.django_db


def test_a_trial_lasts_30_days_by_default_and_shows_on_the_timeline(
    company, product, account_manager
):
    trial = services.start_trial(
        company=company,
        product=product,
        seats=10,
        actor=account_manager,
        starts_on=date(2026, 2, 1),
    )
    assert (trial.starts_on, trial.ends_on, trial.status) == (
        date(2026, 2, 1),
        date(2026, 3, 2),
        Trial.Status.ACTIVE,
    )
    assert company.activities.filter(kind=Activity.Kind.TRIAL).exists()


@pytest.mark.parametrize(("seats", "days"), [(0, 30), (-5, 30), (10, 0)])
def test_a_trial_with_no_seats_or_ending_before_it_starts_is_refused(
    company, product, account_manager, seats, days
):
    with pytest.raises(ValidationError):
        services.start_trial(
            company=company, product=product, seats=seats, days=days, actor=account_manager
        )
    assert not Trial.objects.exists()


def test_extending_a_trial_moves_its_end_and_counts_the_extension(account_manager):
    trial = TrialFactory(ends_on=date(2026, 11, 30))
    services.extend_trial(trial=trial, days=14, actor=account_manager, today=date(2026, 11, 25))
    trial.refresh_from_db()
    assert (trial.ends_on, trial.times_extended) == (date(2026, 12, 14), 1)


def test_a_cancelled_trial_can_be_neither_extended_nor_converted(account_manager):
    trial = services.cancel_trial(trial=TrialFactory(), actor=account_manager)
    with pytest.raises(ValidationError, match="cancelled"):
        services.extend_trial(trial=trial, days=7, actor=account_manager)
    with pytest.raises(ValidationError, match="only an active trial converts"):
        services.convert_trial(
            trial=trial,
            seats=10,
            unit_price=Decimal("40"),
            starts_on=date(2026, 12, 1),
            ends_on=date(2027, 11, 30),
            actor=account_manager,
        )
    assert not License.objects.exists()


def test_a_trial_expires_only_after_its_last_day():
    trial = TrialFactory(ends_on=date(2026, 11, 30))
    here = timezone.get_current_timezone()
    with pytest.raises(ValidationError, match="not expired"):
        services.expire_trial(trial=trial, now=datetime(2026, 11, 30, 23, tzinfo=here))
    expired = services.expire_trial(trial=trial, now=datetime(2026, 12, 1, tzinfo=here))
    assert expired.status == "expired"


def test_a_license_seat_count_must_be_whole_blocks(company, product, account_manager):
    with pytest.raises(ValidationError, match="whole blocks of 5"):
        services.create_license(
            company=company,
            product=product,
            seats=23,
            unit_price=Decimal("40"),
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            actor=account_manager,
        )
    assert not License.objects.exists()


def test_a_new_license_announces_itself_after_commit(
    company, product, account_manager, django_capture_on_commit_callbacks
):
    received = []

    def receive(**kwargs):
        received.append(kwargs["kind"])

    license_started.connect(receive)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.create_license(
                company=company,
                product=product,
                seats=25,
                unit_price=Decimal("35"),
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 12, 31),
                actor=account_manager,
            )
    finally:
        license_started.disconnect(receive)
    assert received == ["new"]


def test_seats_are_added_in_whole_blocks_within_the_term(
    account_manager, django_capture_on_commit_callbacks
):
    license = LicenseFactory(seats=20)
    with pytest.raises(ValidationError, match="whole blocks"):
        services.add_seats(
            license=license,
            seats=3,
            effective_on=date(2026, 6, 1),
            prorated_amount=Decimal("0"),
            actor=account_manager,
        )
    with pytest.raises(ValidationError) as outside:
        services.add_seats(
            license=license,
            seats=5,
            effective_on=date(2027, 1, 1),
            prorated_amount=Decimal("0"),
            actor=account_manager,
        )
    assert "effective_on" in outside.value.message_dict
    received = []

    def receive(**kwargs):
        received.append(kwargs["seat_change"])

    seats_added.connect(receive)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            change = services.add_seats(
                license=license,
                seats=5,
                effective_on=date(2026, 6, 1),
                prorated_amount=Decimal("10.00"),
                actor=account_manager,
            )
    finally:
        seats_added.disconnect(receive)
    license.refresh_from_db()
    assert (license.seats, change.seats_after, received) == (25, 25, [change])


def test_a_license_is_renewed_once(account_manager):
    license = LicenseFactory()
    starts_on, ends_on = services.renewal_term(license)
    assert (starts_on, ends_on) == (date(2027, 1, 1), date(2027, 12, 31))
    services.renew_license(
        license=license,
        seats=20,
        unit_price=Decimal("40"),
        starts_on=starts_on,
        ends_on=ends_on,
        actor=account_manager,
    )
    with pytest.raises(ValidationError, match="renewed"):
        services.renew_license(
            license=license,
            seats=20,
            unit_price=Decimal("40"),
            starts_on=starts_on,
            ends_on=ends_on,
            actor=account_manager,
        )


def test_a_cancelled_license_records_the_day_and_cannot_expire(account_manager):
    license = services.cancel_license(
        license=LicenseFactory(), actor=account_manager, cancelled_on=date(2026, 6, 30)
    )
    assert (license.status, license.cancelled_on) == (License.Status.CANCELLED, date(2026, 6, 30))
    with pytest.raises(ValidationError, match="cancelled"):
        services.expire_license(license=license, today=date(2027, 1, 1))


def test_a_license_expires_after_its_last_day():
    license = LicenseFactory(ends_on=date(2026, 12, 31))
    with pytest.raises(ValidationError, match="not expired"):
        services.expire_license(license=license, today=date(2026, 12, 31))
    license = services.expire_license(license=license, today=date(2026, 12, 31) + timedelta(days=1))
    assert license.status == License.Status.EXPIRED


def test_the_annual_value_counts_twelve_months_of_a_monthly_price():
    license = LicenseFactory(seats=10, unit_price=Decimal("4.99"), product__billing_period="month")
    assert license.annual_value == Decimal("598.80")
    annotated = License.objects.annotate(value=annual_value_expression()).get(pk=license.pk)
    assert annotated.value == Decimal("598.80")
