from datetime import timedelta

import pytest
from django.utils import timezone

from licensing.models import Trial
from sales.models import Quote
from tests.licensing.factories import ProductFactory


@pytest.fixture
def trial_payload(company, product):
    today = timezone.localdate()
    return {
        "company": company.pk,
        "product": product.pk,
        "seats": 10,
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=13)).isoformat(),
    }


def test_starting_a_trial_until_a_date(as_account_manager, trial_payload):
    response = as_account_manager.post("/api/v1/trials/", trial_payload, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "active"
    assert response.json()["ends_on"] == trial_payload["ends_on"]
    assert Trial.objects.get().ends_on.isoformat() == trial_payload["ends_on"]


def test_a_trial_lasts_the_standard_length_by_default(as_account_manager, trial_payload, settings):
    del trial_payload["ends_on"]

    response = as_account_manager.post("/api/v1/trials/", trial_payload, format="json")

    starts_on = timezone.localdate()
    expected_end = starts_on + timedelta(days=settings.TRIAL_DEFAULT_DAYS - 1)
    assert response.json()["ends_on"] == expected_end.isoformat()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"seats": 0}, "seats"),
        ({"seats": -5}, "seats"),
        ({"product": 987654}, "product"),
        ({"company": 987654}, "company"),
        ({"ends_on": "2000-01-01"}, "ends_on"),
        ({"starts_on": "31/12/2026"}, "starts_on"),
    ],
    ids=[
        "no seats",
        "negative seats",
        "unknown product",
        "unknown company",
        "ends first",
        "not ISO",
    ],
)
def test_a_trial_with_bad_input_answers_400_on_the_field_and_starts_nothing(
    as_account_manager, trial_payload, change, field
):
    response = as_account_manager.post(
        "/api/v1/trials/", {**trial_payload, **change}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Trial.objects.exists()


def test_a_trial_of_a_product_no_longer_sold_is_refused(as_account_manager, trial_payload):
    trial_payload["product"] = ProductFactory(active=False).pk

    response = as_account_manager.post("/api/v1/trials/", trial_payload, format="json")

    assert response.status_code == 400
    assert "no longer sold" in response.json()["product"][0]
    assert not Trial.objects.exists()


def test_extending_a_trial_pushes_its_end_back(as_account_manager, trial):
    response = as_account_manager.post(f"/api/v1/trials/{trial.pk}/extend/", {"days": 14})

    assert response.status_code == 200
    assert response.json()["ends_on"] == (trial.ends_on + timedelta(days=14)).isoformat()
    assert response.json()["times_extended"] == 1


@pytest.mark.parametrize("days", [0, -3, "many"])
def test_extending_by_no_days_is_refused(as_account_manager, trial, days):
    response = as_account_manager.post(f"/api/v1/trials/{trial.pk}/extend/", {"days": days})

    assert response.status_code == 400
    assert "days" in response.json()
    trial.refresh_from_db()
    assert trial.times_extended == 0


def test_a_cancelled_trial_can_be_neither_extended_nor_converted(as_account_manager, trial):
    assert as_account_manager.post(f"/api/v1/trials/{trial.pk}/cancel/").json()["status"] == (
        "cancelled"
    )

    extended = as_account_manager.post(f"/api/v1/trials/{trial.pk}/extend/", {"days": 3})
    converted = as_account_manager.post(f"/api/v1/trials/{trial.pk}/convert/")

    assert extended.status_code == converted.status_code == 400
    assert extended.json() == {"non_field_errors": ["Cannot extend a trial that is cancelled."]}
    assert "only an active trial converts" in converted.json()["non_field_errors"][0]
    assert not Quote.objects.exists()


def test_converting_a_trial_answers_with_the_drafted_conversion_quote(as_account_manager, trial):
    response = as_account_manager.post(f"/api/v1/trials/{trial.pk}/convert/")

    assert response.status_code == 201
    quote = response.json()
    assert (quote["kind"], quote["status"], quote["trial"]) == (
        "trial_conversion",
        "draft",
        trial.pk,
    )
    assert quote["lines"][0]["billed_seats"] == trial.seats
    assert quote["total"] == "400.00"


def test_adding_seats_answers_with_the_drafted_expansion_quote(as_account_manager, license):
    response = as_account_manager.post(
        f"/api/v1/licenses/{license.pk}/add-seats/",
        {"seats": 8, "effective_on": license.starts_on.isoformat()},
    )

    assert response.status_code == 201, response.content
    quote = response.json()
    assert (quote["kind"], quote["license"]) == ("expansion", license.pk)
    # 8 seats become 2 blocks of 5, at the license's locked 40.00, for the whole term.
    assert quote["lines"][0]["billed_seats"] == 10
    assert quote["total"] == "400.00"
    license.refresh_from_db()
    assert license.seats == 20  # seats arrive when the quote is accepted


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"seats": 0}, "seats"),
        ({"seats": -5}, "seats"),
        ({"seats": 5, "effective_on": "2000-01-01"}, "effective_on"),
    ],
    ids=["no seats", "negative seats", "before the term"],
)
def test_adding_seats_with_bad_input_drafts_nothing(as_account_manager, license, payload, field):
    response = as_account_manager.post(f"/api/v1/licenses/{license.pk}/add-seats/", payload)

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Quote.objects.exists()


def test_renewing_answers_with_the_drafted_renewal_quote(as_account_manager, license):
    response = as_account_manager.post(f"/api/v1/licenses/{license.pk}/renew/")

    assert response.status_code == 201
    quote = response.json()
    assert (quote["kind"], quote["license"]) == ("renewal", license.pk)
    assert quote["starts_on"] == (license.ends_on + timedelta(days=1)).isoformat()
    assert quote["term_months"] == 12


def test_a_cancelled_license_is_neither_renewed_nor_expanded(as_account_manager, license):
    license.status = license.Status.CANCELLED
    license.save()

    renewed = as_account_manager.post(f"/api/v1/licenses/{license.pk}/renew/")
    expanded = as_account_manager.post(f"/api/v1/licenses/{license.pk}/add-seats/", {"seats": 5})

    assert renewed.status_code == expanded.status_code == 400
    assert "non_field_errors" in renewed.json() and "non_field_errors" in expanded.json()
    assert not Quote.objects.exists()


def test_licenses_show_money_as_decimal_strings_and_dates_in_iso(as_account_manager, license):
    response = as_account_manager.get("/api/v1/licenses/", {"status": "active"})

    (row,) = response.json()["results"]
    assert row["unit_price"] == "40.00"
    assert row["currency"] == "EUR"
    assert row["starts_on"] == license.starts_on.isoformat()


def test_trials_filter_by_their_end(as_account_manager, trial):
    after = (trial.ends_on + timedelta(days=1)).isoformat()

    assert as_account_manager.get("/api/v1/trials/", {"ends_after": after}).json()["count"] == 0
    assert as_account_manager.get("/api/v1/trials/", {"ends_before": after}).json()["count"] == 1


@pytest.mark.parametrize(
    ("path", "factory"), [("licenses", "LicenseFactory"), ("trials", "TrialFactory")]
)
def test_licenses_and_trials_are_searched_by_company_or_product(
    as_account_manager, account_manager, path, factory
):
    from tests.accounts.factories import CompanyFactory, ContactFactory
    from tests.licensing import factories

    make = getattr(factories, factory)
    acme = CompanyFactory(name="Acme Tools", owner=account_manager)
    ContactFactory(company=acme, last_name="Okafor")
    globex = CompanyFactory(name="Globex", owner=account_manager)
    insights, workspace = ProductFactory(name="Insights"), ProductFactory(name="Workspace")
    make(company=acme, product=insights)
    make(company=acme, product=workspace)
    make(company=globex, product=insights)

    def found(text):
        response = as_account_manager.get(f"/api/v1/{path}/", {"search": text})
        assert response.status_code == 200, response.content
        return sorted((row["company"], row["product"]) for row in response.json()["results"])

    assert found("acme") == [(acme.pk, insights.pk), (acme.pk, workspace.pk)]
    assert found("okafor") == found("acme")  # a contact finds the company, as its search does
    assert found("insights") == [(acme.pk, insights.pk), (globex.pk, insights.pk)]
    assert found("insights acme") == [(acme.pk, insights.pk)]  # every word matches somewhere
    assert found("globex workspace") == []
