"""A name typed without a space (a long company name, an email address) breaks inside the
word instead of widening the page past a phone's screen."""

import pytest
from playwright.sync_api import Page

from tests.accounts.factories import CompanyFactory, ContactFactory, UserFactory
from tests.browser.test_back_office import PASSWORD, WIDER_THAN_THE_SCREEN, sign_in
from tests.licensing.factories import LicenseFactory, ProductFactory
from tests.sales.factories import make_quote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = "Aktiengesellschaftfuerdatenverarbeitungundseatmanagement" * 2


@pytest.mark.parametrize("width", [390, 1280])
def test_a_long_unbroken_name_wraps_on_every_page_that_shows_it(browser, live_server, width):
    manager = UserFactory(username="am", role="Account managers", password=PASSWORD)
    company = CompanyFactory(owner=manager, name=LONG[:200], domain="example.com")
    ContactFactory(company=company, first_name=LONG[:100], email=f"{LONG[:60]}@example.com")
    product = ProductFactory(name=LONG[:100])
    license = LicenseFactory(company=company, product=product)
    quote = make_quote(company=company, product=ProductFactory(name=LONG[:99] + "Q"))
    context = browser.new_context(viewport={"width": width, "height": 900})
    page: Page = context.new_page()
    sign_in(page, live_server, "am")
    for path in (
        "/companies/",
        f"/companies/{company.pk}/",
        f"/licenses/{license.pk}/",
        "/licenses/",
        "/quotes/",
        f"/quotes/{quote.pk}/",
        f"/search/?q={LONG[:10]}",
    ):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        wider = page.evaluate(WIDER_THAN_THE_SCREEN) if overflow > 0 else []
        assert overflow <= 0, f"{path} scrolls sideways at {width}px: {wider}"
    context.close()


@pytest.mark.parametrize("width", [1024, 1280, 1440])
def test_the_administrators_menu_labels_stay_whole_and_on_screen(browser, live_server, width):
    """The longest menu (an administrator's eleven items) never breaks a label inside a word
    ("Companie / s"): where the bar is too narrow, whole items flow onto a second row."""
    UserFactory(username="admin", role="Administrators", password=PASSWORD)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page: Page = context.new_page()
    sign_in(page, live_server, "admin")

    links = page.locator("#main-nav .nav-link")
    labels = links.all_inner_texts()
    # The line boxes of each label's text: two where it wraps.
    lines = links.evaluate_all(
        """links => links.map(link => {
            const text = document.createRange();
            text.selectNodeContents(link);
            return text.getClientRects().length;
        })"""
    )

    assert "Dashboard" in labels and len(labels) >= 10
    assert dict(zip(labels, lines, strict=True)) == dict.fromkeys(labels, 1)
    assert page.evaluate("() => document.documentElement.scrollWidth - innerWidth") <= 0
    context.close()
