"""A license that starts later is scheduled: it counts in seats, value, customers, renewals
due and reminders from its start date on, and every read agrees (LicenseQuerySet.active)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Company, CompanyStatus
from licensing import services
from licensing.models import License
from licensing.pricing import term_end
from licensing.reminders import due_reminder_rows
from sales import metrics
from tests.licensing.factories import LicenseFactory, ProductFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NEXT_NEW_YEAR = date(TODAY.year + 1, 1, 1)


@pytest.fixture
def scheduled(company, product):
    """50 seats at 40.00 a year from next 1 January."""
    return LicenseFactory(
        company=company,
        product=product,
        seats=50,
        starts_on=NEXT_NEW_YEAR,
        ends_on=term_end(NEXT_NEW_YEAR, 12),
    )


@pytest.fixture
def running(company):
    """20 seats at 40.00 a year of another product, started a month ago."""
    starts_on = TODAY - timedelta(days=30)
    return LicenseFactory(
        company=company,
        product=ProductFactory(),
        seats=20,
        starts_on=starts_on,
        ends_on=term_end(starts_on, 12),
    )


def scope(today=TODAY):
    return metrics.Scope(start=today - timedelta(days=30), end=today, today=today)


def company_seats(company, today=TODAY):
    return Company.objects.with_seats(today).get(pk=company.pk).licensed_seats


# (what reads it, how many seats it counts today, how many from the scheduled start)
READS = [
    (
        "active licenses",
        lambda c, d: sum(License.objects.active(d).values_list("seats", flat=True)),
    ),
    ("company licensed seats", company_seats),
    ("company annual value", lambda c, d: Company.objects.with_seats(d).get().annual_value / 40),
    ("active seats on the dashboard", lambda c, d: metrics.book_today(scope(d))["active_seats"]),
    ("ARR on the dashboard", lambda c, d: metrics.book_today(scope(d))["arr"] / 40),
]


@pytest.mark.parametrize(("label", "read"), READS, ids=[label for label, _ in READS])
def test_a_scheduled_license_counts_only_from_its_start(label, read, company, scheduled, running):
    assert read(company, TODAY) == 20
    assert read(company, NEXT_NEW_YEAR) == 70


def test_a_scheduled_license_is_scheduled_until_its_first_day(scheduled):
    assert scheduled.state() == "scheduled"
    assert list(License.objects.scheduled()) == [scheduled]
    assert scheduled.state(NEXT_NEW_YEAR) == License.Status.ACTIVE
    assert list(License.objects.scheduled(NEXT_NEW_YEAR)) == []


def test_a_company_whose_only_license_is_scheduled_is_a_customer(company, scheduled):
    assert Company.objects.with_status().get().status == CompanyStatus.CUSTOMER
    assert metrics.penetration(scope())["customers"] == 0


def test_a_scheduled_license_is_not_due_for_renewal_nor_reminded_before_it_starts(company, product):
    short = LicenseFactory(
        company=company,
        product=product,
        starts_on=TODAY + timedelta(days=1),
        ends_on=TODAY + timedelta(days=7),
    )
    assert not License.objects.renewals_due_within(90, TODAY).exists()
    assert metrics.renewals(scope())[0].licenses == 0
    assert not list(due_reminder_rows(today=TODAY, since=TODAY))

    started = TODAY + timedelta(days=1)
    assert list(License.objects.renewals_due_within(90, started)) == [short]
    assert [row["reminder_kind"] for row in due_reminder_rows(today=started, since=TODAY)] == [
        "renewal_due"
    ]


def test_a_renewed_license_counts_until_its_end_and_its_renewal_from_its_start(
    company, product, account_manager
):
    starts_on = TODAY - timedelta(days=300)
    license = LicenseFactory(
        company=company, product=product, seats=20, starts_on=starts_on, ends_on=TODAY + timedelta(days=20)
    )  # fmt: skip
    next_start, next_end = services.renewal_term(license)
    services.renew_license(
        license=license,
        seats=30,
        unit_price=Decimal("40.00"),
        starts_on=next_start,
        ends_on=next_end,
        actor=account_manager,
    )
    assert metrics.book_today(scope())["active_seats"] == 20
    assert company_seats(company) == 20
    assert metrics.book_today(scope(next_start))["active_seats"] == 30
    assert company_seats(company, next_start) == 30
    # Renewed: no longer due, nor reminded.
    assert not License.objects.renewals_due_within(90, TODAY).exists()


@pytest.mark.parametrize(
    "url", ["company_detail", "license_list", "license_detail"], ids=lambda url: url
)
def test_pages_show_a_scheduled_license_with_its_start(client, account_manager, scheduled, url):
    client.force_login(account_manager)
    arguments = {
        "company_detail": [scheduled.company_id],
        "license_list": [],
        "license_detail": [scheduled.pk],
    }[url]
    page = client.get(reverse(url, args=arguments)).content.decode()
    assert f"Scheduled (starts 1 Jan {NEXT_NEW_YEAR.year})" in page


def test_the_company_page_counts_no_seat_of_a_scheduled_license(client, account_manager, scheduled):
    client.force_login(account_manager)
    response = client.get(reverse("company_detail", args=[scheduled.company_id]))
    assert response.context["company"].licensed_seats == 0
    assert response.context["company"].annual_value == Decimal("0.00")


def test_the_api_exposes_the_state_and_filters_on_it(account_manager, scheduled, running):
    api = APIClient()
    api.force_authenticate(account_manager)
    body = api.get(f"/api/v1/licenses/{scheduled.pk}/").json()
    assert (body["status"], body["state"]) == ("active", "scheduled")
    assert api.get(f"/api/v1/licenses/{running.pk}/").json()["state"] == "active"

    def ids(state):
        return [row["id"] for row in api.get("/api/v1/licenses/", {"state": state}).json()["results"]]  # fmt: skip

    assert ids("scheduled") == [scheduled.pk]
    assert ids("active") == [running.pk]

    start = (TODAY - timedelta(days=30)).isoformat()
    figures = api.get("/api/v1/metrics/", {"start": start, "end": TODAY.isoformat()}).json()
    assert figures["active_seats"] == 20
    company = api.get(f"/api/v1/companies/{scheduled.company_id}/").json()
    assert (company["licensed_seats"], company["status"]) == (20, "customer")
