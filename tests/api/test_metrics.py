from datetime import date

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from sales.metrics import snapshot
from tests.accounts.factories import CompanyFactory, make_api_token
from tests.licensing.factories import LicenseFactory, TrialFactory

pytestmark = pytest.mark.django_db

# The dashboard turns PostgreSQL's JIT off in a savepoint: SAVEPOINT, SET LOCAL, RELEASE.
EXTRA_ON_POSTGRESQL = 3 if connection.vendor == "postgresql" else 0

URL = "/api/v1/metrics/"
PERIOD = {"start": "2026-01-01", "end": "2026-06-30"}
REQUIRED_KEYS = {
    "active_seats",
    "arr",
    "mrr",
    "trial_conversion_rate",
    "trials_ended",
    "trials_converted",
    "seat_penetration",
    "whitespace_seats",
    "seats_added",
    "seats_lost",
    "net_seat_growth",
    "renewals_due_90_days",
    "renewals_due_90_days_value",
    "quote_win_rate",
}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def books(company, product, other_account_manager):
    """am: 20 seats at 40.00 (a trial converted, one expired); am2: 10 seats at 40.00."""
    mine = LicenseFactory(
        company=company,
        product=product,
        seats=20,
        starts_on=date(2026, 2, 1),
        ends_on=date(2030, 1, 31),
    )
    for status, license in (("converted", mine), ("expired", None)):
        TrialFactory(
            company=company,
            product=product,
            status=status,
            converted_license=license,
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 1, 30),
            ended_at="2026-01-30T12:00:00+01:00",
        )
    other = CompanyFactory(owner=other_account_manager, employee_count=None)
    LicenseFactory(
        company=other,
        product=product,
        seats=10,
        starts_on=date(2026, 3, 1),
        ends_on=date(2030, 2, 28),
    )


def test_the_metrics_give_money_as_strings_and_rates_as_fractions(api, books, account_manager):
    api.force_authenticate(account_manager)
    body = api.get(URL, PERIOD).json()
    assert REQUIRED_KEYS <= body.keys()
    assert body["owner"] == account_manager.pk  # an account manager's own book by default
    assert (body["active_seats"], body["arr"], body["mrr"]) == (20, "800.00", "66.67")
    assert (body["trials_ended"], body["trials_converted"]) == (2, 1)
    assert body["trial_conversion_rate"] == 0.5
    assert body["seat_penetration"] == 0.1  # 20 of 200 employees
    assert (body["whitespace_seats"], body["whitespace_value"]) == (100, "4000.00")
    assert (body["seats_added"], body["seats_lost"], body["net_seat_growth"]) == (20, 0, 20)
    assert (body["renewals_due_90_days"], body["renewals_due_90_days_value"]) == (0, "0.00")
    assert body["quote_win_rate"] is None  # no quote decided
    assert body["seat_growth_by_month"][1] == {
        "month": "2026-02-01",
        "new": 20,
        "expansion": 0,
        "cancelled": 0,
        "not_renewed": 0,
        "net": 20,
    }
    assert body["expansion_opportunities"][0]["whitespace_value"] == "4000.00"


def test_finance_gets_every_book_and_anyone_allowed_may_pick_one(
    api, books, finance, account_manager, other_account_manager
):
    api.force_authenticate(finance)
    everything = api.get(URL, PERIOD).json()
    assert (everything["owner"], everything["active_seats"], everything["arr"]) == (
        None,
        30,
        "1200.00",
    )
    api.force_authenticate(account_manager)
    other = api.get(URL, {**PERIOD, "owner": other_account_manager.pk}).json()
    assert other["active_seats"] == 10
    assert api.get(URL, {**PERIOD, "owner": "all"}).json()["active_seats"] == 30


def test_a_token_signs_in_and_support_is_refused(api, books, account_manager, support):
    assert api.get(URL).status_code in (401, 403)
    api.credentials(HTTP_AUTHORIZATION=f"Token {make_api_token(account_manager)}")
    assert api.get(URL).status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {make_api_token(support)}")
    assert api.get(URL).status_code == 403


def test_a_bad_period_or_owner_is_a_400_with_field_errors(api, finance):
    api.force_authenticate(finance)
    response = api.get(URL, {"start": "2026-06-01", "end": "2026-01-01", "owner": "999"})
    assert response.status_code == 400
    assert response.json()["end"] == ["The period must end on or after its start."]
    assert "owner" in response.json()
    assert api.get(URL, {"start": "yesterday"}).json()["start"] == ["Enter a valid date."]


def test_the_metrics_take_the_same_queries_whatever_the_data_size(
    api, books, finance, product, django_assert_num_queries
):
    def ask():
        # A fresh user each time: roles are cached on the user object for one request.
        api.force_authenticate(type(finance).objects.get(pk=finance.pk))
        # Roles, the user, the book's snapshot row (the usage lists among its figures), then
        # the period's 10 queries (why we lose among them).
        with django_assert_num_queries(13 + EXTRA_ON_POSTGRESQL):
            assert api.get(URL, PERIOD).status_code == 200

    snapshot.book(None)  # the first look of the day stores it
    ask()
    for _ in range(5):
        LicenseFactory(company=CompanyFactory(owner=finance), product=product)
    ask()


def test_the_metrics_are_documented_in_the_openapi_schema(client, finance):
    client.force_login(finance)
    schema = client.get(reverse("schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/metrics/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"start", "end", "owner"}
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][reference.rsplit("/", 1)[1]]["properties"]
    assert REQUIRED_KEYS <= fields.keys()
    # Money is a decimal string, a rate a number.
    assert fields["arr"]["type"] == "string" and fields["quote_win_rate"]["type"] == "number"
