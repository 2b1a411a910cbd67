"""Trials, licenses and the price book within accounts.limits on every path: the services
called directly, the forms, the API and the admin."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import limits
from licensing import pricing, services
from licensing.models import Product, Trial
from tests.licensing.factories import LicenseFactory, TrialFactory

pytestmark = pytest.mark.django_db
LARGEST_INTEGER = 2_147_483_647
TODAY = timezone.localdate()


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ({"seats": LARGEST_INTEGER}, "seats", "At most 1,000,000 seats."),
        ({"seats": 0}, "seats", "At least 1 seat."),
        ({"days": 91}, "days", "A trial lasts at most 90 days in all"),
        ({"days": 32767}, "days", "A trial lasts at most 90 days in all"),
        ({"ends_on": TODAY + timedelta(days=90)}, "ends_on", "A trial lasts at most 90 days"),
        ({"starts_on": date(9999, 1, 1)}, "starts_on", "Enter a date between"),
    ],
)
def test_start_trial_refuses_input_beyond_the_bounds(
    company, product, account_manager, arguments, field, message
):
    with pytest.raises(ValidationError) as refusal:
        services.start_trial(
            company=company, product=product, actor=account_manager, **{"seats": 10, **arguments}
        )
    assert message in " ".join(refusal.value.message_dict[field])
    assert not Trial.objects.exists()


def test_a_trial_of_90_days_is_the_longest_allowed(company, product, account_manager):
    trial = services.start_trial(
        company=company, product=product, seats=10, days=90, actor=account_manager
    )
    assert pricing.term_days(trial.starts_on, trial.ends_on) == limits.MAX_TRIAL_DAYS


@pytest.mark.parametrize("days", [91, 32767, LARGEST_INTEGER])
def test_one_extension_is_at_most_90_days_on_every_path(
    client, company, product, account_manager, days
):
    trial = TrialFactory(company=company, product=product)
    ends_on = trial.ends_on
    with pytest.raises(ValidationError) as refusal:
        services.extend_trial(trial=trial, days=days, actor=account_manager)
    assert refusal.value.message_dict == {"days": ["At most 90 days per extension."]}
    response = api_as(account_manager).post(f"/api/v1/trials/{trial.pk}/extend/", {"days": days})
    assert response.status_code == 400
    assert response.json() == {"days": ["Extend by at most 90 days."]}
    client.force_login(account_manager)
    response = client.post(reverse("trial_extend", args=[trial.pk]), {"days": days}, follow=True)
    assert response.status_code == 200
    trial.refresh_from_db()
    assert trial.ends_on == ends_on and trial.times_extended == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"seats": LARGEST_INTEGER, "days": 30}, "At most 1,000,000 seats."),
        ({"seats": 10, "days": 32767}, "At most 90 days in all, extensions included."),
        ({"seats": 10, "days": 30, "starts_on": "9999-01-01"}, "Enter a date between"),
    ],
)
def test_the_trial_form_refuses_input_beyond_the_bounds(
    client, company, product, account_manager, data, message
):
    client.force_login(account_manager)
    response = client.post(
        reverse("trial_start", args=[company.pk]), {"product": product.pk, **data}
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not Trial.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"seats": LARGEST_INTEGER}, "seats"),
        ({"seats": 10, "ends_on": (TODAY + timedelta(days=365)).isoformat()}, "ends_on"),
        ({"seats": 10, "starts_on": "9999-01-01"}, "starts_on"),
    ],
)
def test_the_trial_api_refuses_input_beyond_the_bounds(
    company, product, account_manager, body, field
):
    response = api_as(account_manager).post(
        "/api/v1/trials/", {"company": company.pk, "product": product.pk, **body}, format="json"
    )
    assert response.status_code == 400 and field in response.json()
    assert not Trial.objects.exists()


def test_the_trial_admin_refuses_a_trial_longer_than_90_days(client, admin, company, product):
    client.force_login(admin)
    response = client.post(
        reverse("admin:licensing_trial_add"),
        {
            "company": company.pk,
            "product": product.pk,
            "seats": 10,
            "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + timedelta(days=200)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "A trial lasts at most 90 days" in response.content.decode()
    assert not Trial.objects.exists()


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([pricing.Tier(1, Decimal("100000.01"))], "At most 100,000.00 per seat"),
        ([pricing.Tier(1, Decimal("10")), pricing.Tier(LARGEST_INTEGER, Decimal("9"))], "At most"),
    ],
)
def test_price_tiers_beyond_the_bounds_are_refused_by_the_service(tiers, message):
    product = Product(code="p", name="P", seat_block_size=5, currency="EUR")
    with pytest.raises(ValidationError) as refusal:
        services.save_product(product=product, tiers=tiers)
    assert message in " ".join(refusal.value.message_dict["price_tiers"])
    assert not Product.objects.exists()


def test_the_product_api_refuses_a_block_size_and_price_beyond_the_bounds(admin):
    body = {
        "code": "p",
        "name": "P",
        "seat_block_size": LARGEST_INTEGER,
        "currency": "EUR",
        "price_tiers": [{"min_seats": 1, "unit_price": "100000000.00"}],
    }
    response = api_as(admin).post("/api/v1/products/", body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert errors["seat_block_size"] == ["At most 1,000 seats per block."]
    assert "price_tiers" in errors
    assert not Product.objects.exists()


def test_a_license_cannot_be_created_beyond_a_million_seats(company, product, account_manager):
    with pytest.raises(ValidationError) as refusal:
        services.create_license(
            company=company,
            product=product,
            seats=LARGEST_INTEGER - 2,
            unit_price=Decimal("10"),
            starts_on=TODAY,
            ends_on=TODAY + timedelta(days=364),
            actor=account_manager,
        )
    assert refusal.value.message_dict == {"seats": ["At most 1,000,000 seats per license."]}
    LicenseFactory(company=company, product=product)  # the ordinary case still works


@pytest.mark.parametrize(
    ("argument", "message"),
    [("9999-12-31", "Enter a date between"), ("31/12/2026", "is not a YYYY-MM-DD date")],
)
def test_send_reminders_refuses_a_date_outside_the_window(argument, message):
    with pytest.raises(CommandError) as refusal:
        call_command("send_reminders", "--date", argument, "--dry-run")
    assert message in str(refusal.value)


@pytest.mark.parametrize("scale", ["0", "2147483647"])
def test_seed_demo_refuses_a_scale_beyond_benchmark_sizes(scale):
    with pytest.raises(CommandError, match="--scale takes 1 to 100,000 companies."):
        call_command("seed_demo", "--scale", scale)
