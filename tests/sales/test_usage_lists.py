"""The usage lists (expansion-ready, renewal at risk, over-deployed) and the usage figures,
against hand-made usage reported through the feed's service."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from licensing.services import record_usage
from sales import metrics
from sales.metrics import snapshot
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import LicenseFactory


def days_back(count: int, *, until: int = 0):
    today = timezone.localdate()
    return [today - timedelta(days=until + n) for n in range(count)]


def make_license(company, product, *, ends_in=250, seats=20, live_days_ago=None):
    today = timezone.localdate()
    return LicenseFactory(
        company=company,
        product=product,
        seats=seats,
        starts_on=today - timedelta(days=100),
        ends_on=today + timedelta(days=ends_in),
        live_on=None if live_days_ago is None else today - timedelta(days=live_days_ago),
    )


def report(license, days, *, assigned, active):
    record_usage(
        rows=[
            {"license": license.pk, "date": day.isoformat(), "assigned_seats": assigned,
             "active_users_30d": active(day) if callable(active) else active}
            for day in days
        ]
    )  # fmt: skip


@pytest.fixture
def book(company, product, other_account_manager):
    today = timezone.localdate()
    ready = make_license(company, product)
    report(ready, days_back(14), assigned=20, active=19)  # 95 % for 14 days
    dipped = make_license(CompanyFactory(owner=company.owner, name="Dipped"), product)
    report(dipped, days_back(14), assigned=20, active=lambda day: 17 if day == today else 19)
    short = make_license(CompanyFactory(owner=company.owner, name="Short"), product)
    report(short, days_back(10), assigned=20, active=20)  # 10 days only
    at_risk = make_license(CompanyFactory(owner=company.owner, name="Risky"), product, ends_in=60)
    report(at_risk, days_back(3), assigned=15, active=10)  # 50 % with 60 days left
    fine = make_license(CompanyFactory(owner=company.owner, name="Fine"), product, ends_in=60)
    report(fine, days_back(3), assigned=15, active=13)  # 65 %
    far = make_license(CompanyFactory(owner=company.owner, name="Far"), product, ends_in=200)
    report(far, days_back(3), assigned=10, active=5)  # 25 %, renewal far off
    over = make_license(CompanyFactory(owner=company.owner, name="Over"), product)
    report(over, days_back(2), assigned=23, active=15)
    stale = make_license(CompanyFactory(owner=company.owner, name="Stale"), product)
    report(stale, days_back(14, until=10), assigned=20, active=20)  # silent for 10 days
    theirs = make_license(CompanyFactory(owner=other_account_manager, name="Theirs"), product)
    report(theirs, days_back(14), assigned=20, active=20)
    return {"ready": ready, "at_risk": at_risk, "over": over, "theirs": theirs}


def lists_for(owner_id=None):
    today = timezone.localdate()
    scope = metrics.Scope(start=today, end=today, owner_id=owner_id, today=today)
    lists = metrics.usage_lists({"today": today, **metrics.usage_rankings(scope)})
    return {each.slug: [s.license for s in each.rows] for each in lists}


def test_each_list_holds_exactly_the_licenses_its_rule_names(book):
    lists = lists_for()

    assert lists["expansion-ready"] == [book["theirs"], book["ready"]]
    assert lists["renewal-at-risk"] == [book["at_risk"]]
    assert lists["over-deployed"] == [book["over"]]


def test_an_account_managers_lists_hold_their_own_book(book, account_manager):
    assert lists_for(account_manager.pk)["expansion-ready"] == [book["ready"]]


def test_the_thresholds_are_settings(book, settings):
    settings.USAGE_EXPANSION_THRESHOLD = 96
    settings.USAGE_RISK_THRESHOLD = 70

    lists = lists_for()

    assert lists["expansion-ready"] == [book["theirs"]]
    assert {license.company.name for license in lists["renewal-at-risk"]} == {"Risky", "Fine"}


def test_the_home_page_lists_them_with_the_company_whitespace_in_constant_queries(
    client, account_manager, book, django_assert_max_num_queries
):
    client.force_login(account_manager)
    snapshot.refresh(owner_id=account_manager.pk)  # the book's snapshot, as beat stores it

    # The home's own 20 queries (sales/test_views.py), then the usage lists' rows and their
    # companies' whitespace.
    with django_assert_max_num_queries(22):
        response = client.get(reverse("home"))
    page = response.content.decode()

    assert "Expansion-ready: 90% used or more for 14 days" in page
    assert "95.0% used" in page and "whitespace 100" in page  # target 120 − 20 seats
    assert "Renewal at risk" in page and "Risky" in page and "Theirs" not in page
    as_of = timezone.localtime(response.context["manager"]["as_of"])
    assert f"Usage lists as of {as_of:%H:%M}" in page


def test_the_dashboard_shows_the_book_utilisation_and_the_lists(client, admin, book):
    client.force_login(admin)

    page = client.get(reverse("dashboard")).content.decode()

    # Fresh reports: 19+17+20+10+13+5+15+20 active of 8 × 20 seats.
    assert "Utilisation of the book" in page and "74.4%" in page
    assert "Theirs" in page and "Over-deployed" in page


def test_the_metrics_api_returns_the_same_figures(admin, book):
    client = APIClient()
    client.force_authenticate(admin)

    body = client.get("/api/v1/metrics/").json()

    assert body["book_utilisation"] == 0.7438
    assert (body["utilisation_active_users"], body["utilisation_licensed_seats"]) == (119, 160)
    ready = body["usage_lists"]["expansion_ready"]
    assert ready["total"] == 2
    assert ready["rows"][1]["license"] == book["ready"].pk
    assert ready["rows"][1]["utilisation"] == 0.95
    assert body["usage_lists"]["over_deployed"]["rows"][0]["assigned_seats"] == 23


def test_adoption_counts_days_from_go_live_to_half_and_most_seats_active(company, product):
    license = make_license(company, product, live_days_ago=30)
    report(
        license,
        days_back(30),
        assigned=20,
        active=lambda day: min(20, (30 - (timezone.localdate() - day).days)),
    )  # 1 more active user each day from go-live

    today = timezone.localdate()
    figures = metrics.adoption(
        metrics.Scope(start=today - timedelta(days=60), end=today, today=today)
    )

    assert figures["median_days_to_50_percent_active"] == Decimal("10")
    assert figures["median_days_to_80_percent_active"] == Decimal("16")
