"""Seat penetration is per product (its seats / headcount); the company's one figure is its
most-licensed product's; whitespace = (target, or else headcount) - those seats, never
negative; the company page, the lists, the API and the dashboard agree. A target above the
headcount is refused on every path."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Company
from accounts.services import save_company
from licensing.pricing import term_end
from sales import metrics
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import LicenseFactory, ProductFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def license_of(company, product, seats):
    starts_on = TODAY - timedelta(days=30)
    return LicenseFactory(
        company=company,
        product=product,
        seats=seats,
        starts_on=starts_on,
        ends_on=term_end(starts_on, 12),
    )


@pytest.fixture
def two_products(account_manager):
    """100 employees, a 60-seat target, 25 seats of Alpha and 50 of Beta."""
    company = CompanyFactory(owner=account_manager, employee_count=100, target_seats=60)
    license_of(company, ProductFactory(name="Alpha"), 25)
    license_of(company, ProductFactory(name="Beta"), 50)
    return company


def test_a_second_product_is_not_more_users(two_products):
    company = Company.objects.with_seats().with_penetration().get()
    assert (company.licensed_seats, company.top_product_seats) == (75, 50)
    assert company.penetration == 50.0
    assert company.whitespace == 10  # 60-seat target - 50 seats of Beta


@pytest.mark.parametrize(
    ("headcount", "target", "seats", "whitespace"),
    [
        (100, 60, 50, 10),  # the target, when agreed
        (100, None, 50, 50),  # else the headcount
        (100, 40, 50, 0),  # never negative
        (None, 60, 50, 10),  # headcount unknown: the target still says what is left
        (None, None, 50, 0),  # neither: nothing to measure against
    ],
)
def test_whitespace_is_the_target_or_else_the_headcount_minus_the_top_product(
    account_manager, product, headcount, target, seats, whitespace
):
    company = CompanyFactory(owner=account_manager, employee_count=headcount, target_seats=target)
    license_of(company, product, seats)
    license_of(company, ProductFactory(), 5)
    assert Company.objects.with_seats().get().whitespace == whitespace


def test_the_company_page_shows_penetration_per_product_and_the_top_one(
    client, account_manager, two_products
):
    client.force_login(account_manager)
    page = client.get(reverse("company_detail", args=[two_products.pk])).content.decode()
    assert "50 / 100 employees (50%) on the most-licensed product" in page
    assert "10 seats of whitespace" in page
    assert "75 / 100" not in page
    assert '<td>Alpha</td><td class="number">25</td><td class="number">25.0%</td>' in page
    assert '<td>Beta</td><td class="number">50</td><td class="number">50.0%</td>' in page


def test_the_company_list_and_home_show_the_same_figure(client, account_manager, two_products):
    client.force_login(account_manager)
    for url in (reverse("company_list"), reverse("home")):
        page = client.get(url).content.decode()
        assert "50 / 100 employees (50%)" in page, url
        assert "10 seats of whitespace" in page, url


def test_the_api_gives_the_top_product_penetration_and_the_same_whitespace(
    account_manager, two_products
):
    api = APIClient()
    api.force_authenticate(account_manager)
    body = api.get(f"/api/v1/companies/{two_products.pk}/").json()
    assert body["licensed_seats"] == 75
    assert body["top_product_seats"] == 50
    assert body["seat_penetration"] == "50.0"
    assert body["whitespace_seats"] == 10


def test_the_dashboard_agrees_with_the_company_page(account_manager, two_products):
    scope = metrics.Scope(start=TODAY - timedelta(days=30), end=TODAY, owner_id=account_manager.pk)
    figures = metrics.penetration(scope)
    assert figures["seat_penetration"] == Decimal("0.5")
    assert figures["target_attainment"] == Decimal("0.8333")
    assert figures["whitespace_seats"] == 10
    [opportunity] = figures["opportunities"]
    assert opportunity.whitespace == Company.objects.with_seats().get().whitespace
    # 3,000.00 a year for 50 users of the top product: 60.00 per user, 10 users to win.
    assert opportunity.whitespace_value == Decimal("600.00")
    buckets = {bucket.label: bucket.companies for bucket in figures["penetration_distribution"]}
    assert buckets["50–75%"] == 1


# Target above the headcount: refused on every path.

TARGETS = [
    # (headcount, target, accepted)
    (50, 60, False),
    (50, 50, True),
    (50, None, True),
    (None, 60, True),  # headcount unknown: nothing to compare with
    (0, 10, False),
]


@pytest.mark.parametrize(("headcount", "target", "accepted"), TARGETS)
def test_the_service_refuses_a_target_above_the_headcount(
    account_manager, headcount, target, accepted
):
    company = Company(name="Acme", owner=account_manager, employee_count=headcount, target_seats=target)  # fmt: skip
    if accepted:
        save_company(company=company, actor=account_manager)
        return
    with pytest.raises(ValidationError) as refused:
        save_company(company=company, actor=account_manager)
    assert "cannot be above the headcount" in refused.value.message_dict["target_seats"][0]
    assert not Company.objects.exists()


@pytest.mark.parametrize(("headcount", "target", "accepted"), TARGETS)
def test_the_form_refuses_a_target_above_the_headcount(
    client, account_manager, company, headcount, target, accepted
):
    client.force_login(account_manager)
    response = client.post(
        reverse("company_edit", args=[company.pk]),
        {
            "name": company.name,
            "domain": company.domain,
            "industry": company.industry,
            "country": company.country,
            "employee_count": "" if headcount is None else headcount,
            "target_seats": "" if target is None else target,
        },
    )
    company.refresh_from_db()
    if accepted:
        assert response.status_code == 302
        assert company.target_seats == target
    else:
        assert response.status_code == 200
        assert "cannot be above the headcount" in response.context["form"].errors["target_seats"][0]
        assert company.target_seats == 120


@pytest.mark.parametrize(("headcount", "target", "accepted"), TARGETS)
def test_the_api_refuses_a_target_above_the_headcount(
    account_manager, company, headcount, target, accepted
):
    api = APIClient()
    api.force_authenticate(account_manager)
    response = api.patch(
        f"/api/v1/companies/{company.pk}/",
        {"employee_count": headcount, "target_seats": target},
        format="json",
    )
    company.refresh_from_db()
    if accepted:
        assert response.status_code == 200, response.json()
        assert company.target_seats == target
    else:
        assert response.status_code == 400
        assert "cannot be above the headcount" in response.json()["target_seats"][0]
        assert company.target_seats == 120


def test_raising_only_the_target_above_the_known_headcount_is_refused(account_manager, company):
    api = APIClient()
    api.force_authenticate(account_manager)
    response = api.patch(f"/api/v1/companies/{company.pk}/", {"target_seats": 201}, format="json")
    assert response.status_code == 400
    assert "(201) cannot be above the headcount (200)" in response.json()["target_seats"][0]


def test_the_metrics_api_gives_the_same_figures_as_the_company_page(account_manager, two_products):
    api = APIClient()
    api.force_authenticate(account_manager)
    start = (TODAY - timedelta(days=30)).isoformat()
    body = api.get("/api/v1/metrics/", {"start": start, "end": TODAY.isoformat()}).json()
    assert (body["seat_penetration"], body["whitespace_seats"]) == (0.5, 10)
    [opportunity] = body["expansion_opportunities"]
    assert (opportunity["licensed_seats"], opportunity["top_product_seats"]) == (75, 50)
    assert opportunity["whitespace_seats"] == 10
