"""The quote builder in a real browser (Debian chromium): a 20-line quote built without a
save, lines reordered (by their buttons, and by drag and drop) and removed, Enter in a seats field, each product offered once; and a
quote declined with a reason, through the confirmation dialog, on the dashboard."""

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from sales import services
from sales.models import Quote
from sales.pricing import LineInput
from tests.accounts.factories import CompanyFactory, ContactFactory, UserFactory
from tests.browser.test_back_office import assert_accessible, shoot, sign_in
from tests.licensing.factories import ProductFactory
from tests.sales.factories import make_quote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINES = 20


@pytest.fixture
def company():
    manager = UserFactory(username="am", role="Account managers")
    company = CompanyFactory(owner=manager, name="Northwind")
    ContactFactory(company=company, is_primary=True)
    return company


@pytest.fixture
def products():
    """Twenty-one products, blocks of 5, 10.00 a seat a year."""
    return [
        ProductFactory(
            name=f"Module {number:02d}", seat_block_size=5, tiers=[(1, Decimal("10.00"))]
        )
        for number in range(1, LINES + 2)
    ]


def line(page: Page, number: int):
    return page.get_by_test_id("quote-line").nth(number - 1)


def test_building_a_20_line_quote_without_a_save(page: Page, live_server, company, products):
    sign_in(page, live_server, "am")
    page.goto(f"{live_server.url}/quotes/new/?company={company.pk}")
    requests = []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    for number in range(1, LINES + 1):
        if number > 1:
            page.get_by_role("button", name="+ Add a line").click()
            expect(page.get_by_test_id("quote-line")).to_have_count(number)
            # The new line has the focus, and does not offer the products already chosen.
            expect(line(page, number).get_by_role("combobox")).to_be_focused()
            expect(line(page, number).locator("option")).to_have_count(LINES + 2 - number + 1)
        line(page, number).get_by_role("combobox").select_option(label=f"Module {number:02d}")
        seats = line(page, number).get_by_role("spinbutton")
        seats.fill(str(number))
        seats.press("Enter")  # updates the price, does not save
        expect(page.get_by_test_id("formula").nth(number - 1)).to_contain_text("× 10.00")
    # 5 blocks of 5 seats up to line 5, then 10, 15, 20: 10.00 a seat.
    billed = sum(-(-number // 5) * 5 for number in range(1, LINES + 1))
    expect(page.get_by_test_id("total")).to_have_text(f"{billed * 10:,}.00 EUR")
    assert not Quote.objects.exists()
    assert not [url for method, url in requests if method == "GET" and "/quotes/new/" in url]

    # A product chosen on another line is no longer offered on the first.
    options = line(page, 1).locator("option").all_text_contents()
    assert "Module 01" in options and "Module 02" not in options and "Module 21" in options

    # Reorder: line 3 goes up, line 1 goes away; the price follows.
    line(page, 3).get_by_role("button", name="Move line 3 up").click()
    expect(line(page, 2).get_by_role("combobox")).to_have_value(str(products[2].pk))
    expect(page.get_by_role("button", name="Move line 2 up")).to_be_focused()
    line(page, 1).get_by_role("button", name="Remove line 1").dblclick()
    expect(page.get_by_test_id("quote-line")).to_have_count(LINES - 1)
    expect(page.get_by_test_id("total")).to_have_text(f"{(billed - 5) * 10:,}.00 EUR")
    assert_accessible(page, "quote builder")
    shoot(page, "quote-builder-20-lines")
    page.get_by_test_id("quote-price").screenshot(path="artifacts/quote-price-card.png")

    page.get_by_role("button", name="Save draft", exact=True).last.dblclick()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft")
    quote = Quote.objects.get()
    assert [line.product.name for line in quote.lines.order_by("position")][:2] == [
        "Module 03",
        "Module 02",
    ]
    assert quote.lines.count() == LINES - 1 and quote.total == Decimal((billed - 5) * 10)


def test_dragging_line_3_to_the_top_reorders_the_price_and_the_saved_quote(
    page: Page, live_server, company, products
):
    quote = services.create_quote(
        company=company,
        actor=company.owner,
        contact=company.contacts.get(),
        lines=[
            LineInput(product, seats)
            for product, seats in zip(products[:4], (5, 10, 15, 20), strict=True)
        ],
    )
    sign_in(page, live_server, "am")
    page.goto(f"{live_server.url}/quotes/{quote.pk}/edit/")
    page.evaluate("window.notReloaded = true")

    line(page, 3).locator(".line-handle").drag_to(line(page, 1).locator(".line-handle"))
    expect(line(page, 1).get_by_role("combobox")).to_have_value(str(products[2].pk))
    expect(line(page, 1).get_by_role("spinbutton")).to_have_value("15")
    names = page.get_by_test_id("quote-price").locator(".price-line .fw-semibold")
    expect(names).to_have_text(["Module 03", "Module 01", "Module 02", "Module 04"])
    quote.refresh_from_db()
    assert [line.product_id for line in quote.lines.order_by("position")] == [
        product.pk for product in products[:4]
    ]  # nothing saved yet
    # The buttons still move a line, for keyboards.
    line(page, 2).get_by_role("button", name="Move line 2 down").click()
    expect(names).to_have_text(["Module 03", "Module 02", "Module 01", "Module 04"])
    assert page.evaluate("window.notReloaded") is True
    shoot(page, "quote-builder-dragged")

    page.get_by_role("button", name="Save draft", exact=True).last.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft")
    assert [line.product.name for line in quote.lines.order_by("position")] == [
        "Module 03", "Module 02", "Module 01", "Module 04",
    ]  # fmt: skip


def test_a_declined_quote_with_a_reason_appears_on_the_dashboard(
    page: Page, live_server, company, products
):
    quote = services.send_quote(
        quote=make_quote(company=company, product=products[0], seats=10), actor=company.owner
    )
    sign_in(page, live_server, "am")
    page.goto(f"{live_server.url}/quotes/{quote.pk}/")
    answer = page.get_by_role("region", name="The client’s answer")
    answer.get_by_role("button", name="Mark declined").click()
    # No reason: the dialog asks first, then the form says what is missing.
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Mark {quote.reference} declined?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    dialog.get_by_role("button", name="Cancel").click()
    expect(answer.get_by_role("button", name="Mark declined")).to_be_focused()
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT

    answer.get_by_label("Went with a competitor").check()
    answer.get_by_label("In a few words").fill("Chose Contoso for the bundle")
    answer.get_by_role("button", name="Mark declined").click()
    assert_accessible(page, "confirmation dialog")
    shoot(page, "quote-decline-dialog")
    dialog.get_by_role("button", name="Mark declined").click()
    expect(page.get_by_role("alert").first).to_contain_text("marked declined")
    expect(page.get_by_test_id("decline")).to_contain_text(
        "Went with a competitor — “Chose Contoso for the bundle”"
    )

    page.get_by_role("link", name="Dashboard").first.click()
    lost = page.get_by_test_id("lost-reasons")
    expect(lost.get_by_role("row", name="Went with a competitor 1 100.00 EUR")).to_be_visible()
    shoot(page, "dashboard-why-we-lose")


def test_an_expired_quote_marked_lost_later_shows_its_reason(
    page: Page, live_server, company, products
):
    quote = services.send_quote(
        quote=make_quote(company=company, product=products[0], seats=10), actor=company.owner
    )
    Quote.objects.filter(pk=quote.pk).update(valid_until=quote.valid_until - timedelta(days=90))
    services.expire_quote(quote=quote)
    sign_in(page, live_server, "am")
    page.goto(f"{live_server.url}/quotes/{quote.pk}/")
    lost = page.get_by_role("region", name="Lost?")
    lost.get_by_label("No budget").check()
    lost.get_by_role("button", name="Mark lost").click()
    shoot(page, "quote-expired-mark-lost-dialog")
    page.get_by_role("dialog").get_by_role("button", name="Mark lost").click()
    expect(page.get_by_test_id("decline")).to_contain_text("No budget")
    shoot(page, "quote-expired-marked-lost")
    quote.refresh_from_db()
    assert (quote.status, quote.decline_reason_code) == ("declined", "no_budget")
