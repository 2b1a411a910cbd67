"""The dashboard in a real browser (Debian chromium): the charts draw, keyboard reaches the
figures, and a figure leads to its records."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.licensing.factories import LicenseFactory, TrialFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_draws_its_charts_and_leads_to_the_records(
    page: Page, live_server, company, product, account_manager
):
    account_manager.set_password("a long demo password")
    account_manager.save()
    today = timezone.localdate()
    license = LicenseFactory(
        company=company,
        product=product,
        seats=20,
        unit_price=Decimal("40.00"),
        starts_on=today.replace(day=1),
        ends_on=today + timedelta(days=45),
    )
    TrialFactory(
        company=company,
        product=product,
        starts_on=today - timedelta(days=20),
        ends_on=today,
        status="converted",
        converted_license=license,
        ended_at=timezone.now() - timedelta(minutes=5),
    )
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(account_manager.username)
    page.get_by_label("Password").fill("a long demo password")
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("canvas[data-chart]")).to_have_count(4)
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".map((canvas) => Chart.getChart(canvas)?.data.labels.length ?? 0)"
    )
    assert drawn == [12, 12, 7, 12] and errors == []
    expect(page.get_by_role("link", name="100.0%")).to_be_visible()  # 1 of 1 trial converted

    active_seats = page.get_by_role("link", name="20", exact=True).first
    active_seats.focus()
    expect(active_seats).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Active licenses (active seats, ARR)")).to_be_visible()
    expect(page.get_by_role("cell", name=company.name)).to_be_visible()
    expect(page.get_by_label("Owner")).to_have_value(str(account_manager.pk))
