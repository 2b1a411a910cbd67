"""A license page in a real browser (Debian chromium): the usage chart draws its three lines
from the page's numbers, and the true-up button drafts the quote."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from licensing.models import UsageRecord
from tests.licensing.factories import LicenseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_license_page_draws_its_usage_chart_and_offers_a_true_up(
    page: Page, live_server, company, product, account_manager
):
    account_manager.set_password("a long demo password")
    account_manager.save()
    today = timezone.localdate()
    license = LicenseFactory(
        company=company,
        product=product,
        seats=20,
        starts_on=today - timedelta(days=120),
        ends_on=today + timedelta(days=245),
    )
    UsageRecord.objects.bulk_create(
        UsageRecord(
            license=license,
            day=today - timedelta(days=days_ago),
            assigned_seats=22 - days_ago // 10,
            active_users_30d=18 - days_ago // 10,
        )
        for days_ago in range(60)
    )
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(account_manager.username)
    page.get_by_label("Password").fill("a long demo password")
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server.url}/licenses/{license.pk}/")

    expect(page.get_by_role("heading", name="Seat usage")).to_be_visible()
    expect(page.get_by_test_id("usage-figures")).to_contain_text("90.0%")
    chart = page.evaluate(
        "() => { const chart = Chart.getChart(document.querySelector('canvas[data-usage-chart]'));"
        " return [chart.data.labels.length, chart.data.datasets.map((d) => d.label),"
        " chart.data.datasets[2].data.at(-1)]; }"
    )
    assert chart == [60, ["Licensed", "Assigned", "Active (30 days)", "Active (7 days)"], 18]
    assert errors == []

    page.get_by_role("button", name="Draft true-up quote").click()
    expect(page.get_by_text("drafted for the seats assigned beyond the license")).to_be_visible()
