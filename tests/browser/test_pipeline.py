"""The pipeline in a real browser (Debian chromium): reached from the navigation, its totals
are the sums of the deals it shows, month by month."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from licensing.pricing import add_months
from sales.links import issue_link
from sales.services.portal import record_open
from tests.licensing.factories import LicenseFactory, ProductFactory
from tests.sales.factories import make_quote, send_and_work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _amounts(page: Page, selector: str) -> Decimal:
    values = page.locator(selector).evaluate_all("(cells) => cells.map((c) => c.dataset.amount)")
    return sum((Decimal(value) for value in values), Decimal("0"))


def test_the_pipeline_totals_are_the_sums_of_its_deals(
    page: Page, live_server, company, product, account_manager
):
    account_manager.set_password("a long demo password")
    account_manager.save()
    today = timezone.localdate()
    next_month = add_months(today.replace(day=1), 1)
    make_quote(company=company, product=product, seats=12, valid_until=today)
    make_quote(company=company, product=product, seats=40, valid_until=next_month)
    make_quote(company=company, product=ProductFactory(), seats=7, discount_percent=Decimal("30"))
    viewed = send_and_work(quote=make_quote(company=company, product=ProductFactory(), seats=33))
    record_open(link=issue_link(viewed))
    send_and_work(quote=make_quote(company=company, product=ProductFactory(), seats=55))
    LicenseFactory(
        company=company,
        seats=25,
        unit_price=Decimal("19.90"),
        starts_on=add_months(today, -11),
        ends_on=today + timedelta(days=40),
    )
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(account_manager.username)
    page.get_by_label("Password").fill("a long demo password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Pipeline").click()
    expect(page.get_by_role("heading", name="Pipeline", exact=True)).to_be_visible()

    table_total = _amounts(page, "[data-testid=total]")
    shown = Decimal("0")
    for row_link in page.locator("[data-testid=summary-EUR] tbody th a").all():
        key = row_link.get_attribute("href").split("month=")[1]
        row_total = _amounts(page, f"[data-testid=row-total-{key}]")
        row_link.click()
        expect(page.locator("tr.table-active [data-testid=row-total-" + key + "]")).to_be_visible()
        assert _amounts(page, "[data-testid=board] [data-amount]") == row_total, key
        shown += row_total
        page.go_back()
    assert shown == table_total > 0
    assert errors == []
