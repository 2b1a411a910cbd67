from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from licensing.pricing import term_end
from sales.services import send_quote
from tests.accounts.factories import make_api_token
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.sales.factories import make_quote

ROLES = ["account_manager", "other_account_manager", "support", "finance", "admin"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The role table signs in five users per test; real password hashing would dominate."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api_client():
    """An API client signed in with a read-write API token of the user's, as a script is."""

    def client_for(user):
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {make_api_token(user)}")
        return client

    return client_for


@pytest.fixture
def as_account_manager(api_client, account_manager):
    return api_client(account_manager)


@pytest.fixture
def trial(company, product):
    today = timezone.localdate()
    return TrialFactory(
        company=company, product=product, starts_on=today, ends_on=today + timedelta(days=29)
    )


@pytest.fixture
def license(company, product):
    """20 seats at 40.00 a year, a term that began a month ago, of a product priced as
    `product` but its own: the company's trial and quotes are for `product`, which a company
    cannot be quoted as new business once it holds it."""
    starts_on = timezone.localdate() - timedelta(days=30)
    tiers = [(tier.min_seats, tier.unit_price) for tier in product.price_tiers.all()]
    return LicenseFactory(
        company=company,
        product=ProductFactory(seat_block_size=product.seat_block_size, tiers=tiers),
        seats=20,
        starts_on=starts_on,
        ends_on=term_end(starts_on, 12),
    )


@pytest.fixture
def draft_quote(company, product):
    return make_quote(company=company, product=product, seats=23)


@pytest.fixture
def sent_quote(company, product):
    quote = make_quote(company=company, product=product, seats=10)
    return send_quote(quote=quote, actor=company.owner)
