"""Trial <-> license: a purchase ends the trial as converted; a trial past its last day is
expired on every read; one running trial of a product per company; a trial lasts at most
TRIAL_MAX_DAYS in all; an expired trial is not extended. Each rule through the service, the
form and the API."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Company, CompanyStatus
from licensing import services
from licensing.models import Trial
from sales import metrics
from sales.services import accept_quote, send_quote
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import ProductFactory, TrialFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def api(account_manager):
    client = APIClient()
    client.force_authenticate(account_manager)
    return client


@pytest.fixture
def signed_in(client, account_manager):
    client.force_login(account_manager)
    return client


def lapsed_trial(company, product):
    """A trial whose last day was yesterday, never swept."""
    return TrialFactory(
        company=company,
        product=product,
        starts_on=TODAY - timedelta(days=30),
        ends_on=TODAY - timedelta(days=1),
    )


# Buying the product ends its trial as converted.


def test_a_license_of_the_product_on_trial_converts_the_trial(company, product, account_manager):
    trial = TrialFactory(company=company, product=product)
    license = services.create_license(
        company=company,
        product=product,
        seats=20,
        unit_price=Decimal("40.00"),
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=364),
        actor=account_manager,
    )
    trial.refresh_from_db()
    assert (trial.status, trial.converted_license, trial.ended_at is not None) == (
        Trial.Status.CONVERTED,
        license,
        True,
    )
    assert company.activities.filter(message__contains="converted: the company bought it")


def test_a_license_of_another_product_leaves_the_trial_running(company, product, account_manager):
    trial = TrialFactory(company=company, product=product)
    other = ProductFactory()
    services.create_license(
        company=company,
        product=other,
        seats=20,
        unit_price=Decimal("40.00"),
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=364),
        actor=account_manager,
    )
    trial.refresh_from_db()
    assert trial.status == Trial.Status.ACTIVE


def test_an_accepted_new_business_quote_converts_the_trial_of_its_product(
    signed_in, company, product, account_manager
):
    trial = TrialFactory(company=company, product=product)
    quote = send_quote(quote=make_quote(company=company, product=product, seats=20), actor=account_manager)  # fmt: skip
    accept_quote(quote=quote, actor=account_manager)
    trial.refresh_from_db()
    assert trial.status == Trial.Status.CONVERTED
    assert trial.converted_license == quote.lines.get().license
    page = signed_in.get(reverse("company_detail", args=[company.pk])).content.decode()
    assert "<td>Converted</td>" in page
    assert "Active ·" not in page


# A trial past its last day is expired on every read.


def test_a_trial_past_its_last_day_reads_as_expired_everywhere(
    signed_in, api, company, product, account_manager
):
    trial = lapsed_trial(company, product)
    assert trial.state() == Trial.Status.EXPIRED
    assert not Trial.objects.active().exists()
    assert Company.objects.with_status().get(pk=company.pk).status == CompanyStatus.PROSPECT

    page = signed_in.get(reverse("company_detail", args=[company.pk])).content.decode()
    assert "<td>Expired</td>" in page
    assert "0 days left" not in page
    assert reverse("trial_extend", args=[trial.pk]) not in page
    assert trial.company.name not in signed_in.get(reverse("trial_list")).content.decode()

    body = api.get(f"/api/v1/trials/{trial.pk}/").json()
    assert (body["status"], body["state"]) == ("active", "expired")
    assert [t["id"] for t in api.get("/api/v1/trials/", {"state": "expired"}).json()["results"]] == [trial.pk]  # fmt: skip
    assert api.get("/api/v1/trials/", {"state": "active"}).json()["results"] == []

    scope = metrics.Scope(start=TODAY - timedelta(days=7), end=TODAY)
    figures = metrics.trial_conversion(scope)
    assert (figures["trials_ended"], figures["trials_converted"]) == (1, 0)


def test_a_trial_on_its_last_day_is_still_running(signed_in, company, product):
    TrialFactory(company=company, product=product, starts_on=TODAY - timedelta(days=5), ends_on=TODAY)  # fmt: skip
    assert Trial.objects.active().count() == 1
    page = signed_in.get(reverse("company_detail", args=[company.pk])).content.decode()
    assert "Active · last day today" in page


# One running trial of a product per company.

EXISTING = [
    # (the trial already there, whether a new trial of the product is accepted)
    ("running", False),
    ("running, starting later", False),
    ("past its last day", True),
    ("cancelled", True),
    ("converted", True),
    ("of another product", True),
    ("of another company", True),
]


def make_existing(kind, company, product):
    if kind == "running":
        return TrialFactory(company=company, product=product)
    if kind == "running, starting later":
        later = TODAY + timedelta(days=10)
        return TrialFactory(company=company, product=product, starts_on=later, ends_on=later + timedelta(days=20))  # fmt: skip
    if kind == "past its last day":
        return lapsed_trial(company, product)
    if kind in ("cancelled", "converted"):
        return TrialFactory(company=company, product=product, status=kind)
    if kind == "of another product":
        return TrialFactory(company=company, product=ProductFactory())
    return TrialFactory(company=CompanyFactory(), product=product)


@pytest.mark.parametrize(("existing", "accepted"), EXISTING)
def test_the_service_refuses_a_second_running_trial_of_a_product(
    company, product, account_manager, existing, accepted
):
    make_existing(existing, company, product)
    start = {"company": company, "product": product, "seats": 10, "actor": account_manager}
    if accepted:
        services.start_trial(**start)
        return
    with pytest.raises(ValidationError) as refused:
        services.start_trial(**start)
    assert "already has a trial of" in refused.value.message_dict["product"][0]
    assert "extend that trial instead" in refused.value.message_dict["product"][0]


@pytest.mark.parametrize(("existing", "accepted"), EXISTING)
def test_the_form_refuses_a_second_running_trial_of_a_product(
    signed_in, company, product, existing, accepted
):
    make_existing(existing, company, product)
    before = Trial.objects.count()
    response = signed_in.post(
        reverse("trial_start", args=[company.pk]), {"product": product.pk, "seats": 10, "days": 30}
    )
    if accepted:
        assert response.status_code == 302
        assert Trial.objects.count() == before + 1
    else:
        assert "already has a trial of" in response.context["form"].errors["product"][0]
        assert Trial.objects.count() == before


@pytest.mark.parametrize(("existing", "accepted"), EXISTING)
def test_the_api_refuses_a_second_running_trial_of_a_product(
    api, company, product, existing, accepted
):
    make_existing(existing, company, product)
    before = Trial.objects.count()
    response = api.post(
        "/api/v1/trials/",
        {"company": company.pk, "product": product.pk, "seats": 10},
        format="json",
    )
    if accepted:
        assert response.status_code == 201, response.json()
    else:
        assert response.status_code == 400
        assert "already has a trial of" in response.json()["product"][0]
        assert Trial.objects.count() == before


# A trial lasts at most TRIAL_MAX_DAYS in all, extensions included.

LENGTHS = [
    # (days of the trial at start, days of extension, accepted)
    (30, 60, True),
    (30, 61, False),
    (90, 1, False),
    (60, 30, True),
]


@pytest.fixture
def ninety_days_at_most(settings):
    settings.TRIAL_MAX_DAYS = 90


def trial_of(company, product, days):
    return TrialFactory(company=company, product=product, starts_on=TODAY, ends_on=TODAY + timedelta(days=days - 1))  # fmt: skip


@pytest.mark.parametrize(("days", "extension", "accepted"), LENGTHS)
def test_the_service_caps_the_length_of_a_trial(
    ninety_days_at_most, company, product, account_manager, days, extension, accepted
):
    trial = trial_of(company, product, days)
    if accepted:
        services.extend_trial(trial=trial, days=extension, actor=account_manager)
        return
    with pytest.raises(ValidationError) as refused:
        services.extend_trial(trial=trial, days=extension, actor=account_manager)
    message = refused.value.message_dict["days"][0]
    assert f"at most 90 days in all, extensions included; this one already runs {days} days" in message  # fmt: skip
    trial.refresh_from_db()
    assert trial.times_extended == 0


@pytest.mark.parametrize(("days", "extension", "accepted"), LENGTHS)
def test_the_form_caps_the_length_of_a_trial(
    ninety_days_at_most, signed_in, company, product, days, extension, accepted
):
    trial = trial_of(company, product, days)
    response = signed_in.post(reverse("trial_extend", args=[trial.pk]), {"days": extension})
    trial.refresh_from_db()
    assert trial.times_extended == (1 if accepted else 0)
    if not accepted:
        assert "at most 90 days in all" in response.context["form"].errors["days"][0].lower()


@pytest.mark.parametrize(("days", "extension", "accepted"), LENGTHS)
def test_the_api_caps_the_length_of_a_trial(
    ninety_days_at_most, api, company, product, days, extension, accepted
):
    trial = trial_of(company, product, days)
    response = api.post(f"/api/v1/trials/{trial.pk}/extend/", {"days": extension}, format="json")
    assert response.status_code == (200 if accepted else 400)
    if not accepted:
        assert "at most 90 days in all" in response.json()["days"][0]


@pytest.mark.parametrize(
    ("start", "accepted"),
    [({"days": 90}, True), ({"days": 91}, False), ({"ends_on": TODAY + timedelta(days=90)}, False)],
    ids=["90 days", "91 days", "until a day 91 days on"],
)
def test_a_trial_cannot_start_longer_than_the_cap(
    ninety_days_at_most, signed_in, api, company, product, account_manager, start, accepted
):
    if accepted:
        services.start_trial(company=company, product=product, seats=5, actor=account_manager, **start)  # fmt: skip
        return
    with pytest.raises(ValidationError, match="at most 90 days in all"):
        services.start_trial(company=company, product=product, seats=5, actor=account_manager, **start)  # fmt: skip
    if "days" in start:
        response = signed_in.post(
            reverse("trial_start", args=[company.pk]), {"product": product.pk, "seats": 5, **start}
        )
        assert "at most 90 days in all" in response.context["form"].errors["days"][0].lower()
    body = {"company": company.pk, "product": product.pk, "seats": 5}
    if "ends_on" in start:
        body["ends_on"] = start["ends_on"].isoformat()
        response = api.post("/api/v1/trials/", body, format="json")
        assert "at most 90 days in all" in response.json()["ends_on"][0]
    assert not Trial.objects.exists()


def test_a_huge_extension_is_refused_with_a_message_not_a_crash(company, product, account_manager):
    trial = TrialFactory(company=company, product=product)
    with pytest.raises(ValidationError, match="(?i)at most"):
        services.extend_trial(trial=trial, days=2_147_483_647, actor=account_manager)


# A trial past its last day cannot be extended (into the past or at all): start a new one.


def test_the_service_refuses_to_extend_a_trial_past_its_last_day(company, product, account_manager):
    trial = lapsed_trial(company, product)
    with pytest.raises(ValidationError, match="Cannot extend a trial that is expired; it ended on"):
        services.extend_trial(trial=trial, days=7, actor=account_manager)
    trial.refresh_from_db()
    assert (trial.ends_on, trial.times_extended) == (TODAY - timedelta(days=1), 0)


def test_the_service_extends_a_trial_on_the_day_it_gives(company, product, account_manager):
    trial = TrialFactory(company=company, product=product, starts_on=date(2026, 1, 1), ends_on=date(2026, 1, 30))  # fmt: skip
    with pytest.raises(ValidationError, match="expired"):
        services.extend_trial(trial=trial, days=7, actor=account_manager, today=date(2026, 1, 31))
    services.extend_trial(trial=trial, days=7, actor=account_manager, today=date(2026, 1, 30))


def test_the_form_and_api_refuse_to_extend_a_trial_past_its_last_day(
    signed_in, api, company, product
):
    trial = lapsed_trial(company, product)
    response = signed_in.post(reverse("trial_extend", args=[trial.pk]), {"days": 7})
    assert "Cannot extend a trial that is expired" in response.content.decode()
    response = api.post(f"/api/v1/trials/{trial.pk}/extend/", {"days": 7}, format="json")
    assert response.status_code == 400
    assert "Cannot extend a trial that is expired" in response.json()["non_field_errors"][0]
    response = api.post(f"/api/v1/trials/{trial.pk}/cancel/", format="json")
    assert response.status_code == 400
    trial.refresh_from_db()
    assert (trial.status, trial.times_extended) == (Trial.Status.ACTIVE, 0)
