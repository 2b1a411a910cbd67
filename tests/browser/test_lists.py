"""The lists in a real browser (Debian chromium): sorting by a column header, saving the
current filter and opening it again; screenshots of the four lists in artifacts/."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import SavedFilter
from tests.accounts.factories import UserFactory
from tests.licensing.factories import ProductFactory
from tests.list_support import make_book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture
def manager():
    user = UserFactory(username="am", role="Account managers")
    make_book(user, ProductFactory(name="Seatdesk Team"))
    return user


def sign_in(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("am")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good day")


def companies_shown(page: Page) -> list[str]:
    return [name.strip() for name in page.locator("tbody tr td:first-child a").all_inner_texts()]


def test_an_account_manager_sorts_by_a_header_and_saves_the_filter(
    page: Page, live_server, manager
):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/licenses/")
    expect(page.get_by_role("columnheader", name="Utilisation")).not_to_have_attribute(
        "aria-sort", "ascending"
    )

    page.get_by_role("link", name="Utilisation").click()
    expect(page.get_by_role("columnheader", name="Utilisation")).to_have_attribute(
        "aria-sort", "ascending"
    )
    assert companies_shown(page) == ["Bravo", "Alpha", "Charlie"]  # least used first
    page.get_by_role("link", name="Utilisation").click()
    expect(page.get_by_role("columnheader", name="Utilisation")).to_have_attribute(
        "aria-sort", "descending"
    )
    assert companies_shown(page) == ["Alpha", "Bravo", "Charlie"]

    page.get_by_label("Utilisation", exact=True).select_option("low")
    page.get_by_role("button", name="Show").click()
    page.get_by_label("Save this filter as").fill("Under-used")
    page.get_by_role("button", name="Save filter").click()
    expect(page.get_by_role("alert").or_(page.locator(".alert-success"))).to_contain_text(
        "Filter “Under-used” saved."
    )
    page.screenshot(path=str(ARTIFACTS / "lists-licenses.png"), full_page=True)

    page.goto(f"{live_server.url}/licenses/")
    assert companies_shown(page) == ["Alpha", "Charlie", "Bravo"]
    page.get_by_role("link", name="Under-used").click()
    assert companies_shown(page) == ["Bravo"]
    assert SavedFilter.objects.get().query == "due=&owner=&utilisation=low&sort=-utilisation"

    for path, name in (
        ("/companies/", "companies"),
        ("/quotes/", "quotes"),
        ("/trials/", "trials"),
    ):
        page.goto(f"{live_server.url}{path}")
        page.screenshot(path=str(ARTIFACTS / f"lists-{name}.png"), full_page=True)
