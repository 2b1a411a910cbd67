"""The back office in a real browser (Debian chromium): the account manager's journey, what
other roles may not do, every page at desktop and phone width, and axe-core on each."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from licensing.models import License
from sales import services
from sales.models import Quote
from tests.accounts.factories import CompanyFactory, ContactFactory, UserFactory
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.sales.factories import make_quote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
WIDTHS = {"desktop": 1280, "phone": 390}
PASSWORD = "demo"
# What sticks out of the viewport, to explain a sideways scroll (wide tables scroll inside
# .table-responsive instead).
WIDER_THAN_THE_SCREEN = """() => [...document.body.querySelectorAll('*')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1
               && !e.parentElement.closest('.table-responsive'))
  .slice(0, 5).map(e => `${e.tagName}.${e.className}`)"""


@pytest.fixture
def people():
    users = {
        "account_manager": UserFactory(username="am", role="Account managers"),
        "support": UserFactory(username="support", role="Support"),
        "finance": UserFactory(username="finance", role="Finance"),
        "admin": UserFactory(username="admin", is_staff=True, is_superuser=True),
    }
    return users


@pytest.fixture
def seat_product():
    """Blocks of 5, yearly: 40.00 from 1 seat, 35.00 from 25."""
    return ProductFactory(name="Seatdesk Team", seat_block_size=5, tiers=[(1, Decimal("40.00")), (25, Decimal("35.00"))])  # fmt: skip


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good day")


def assert_accessible(page: Page, name: str) -> None:
    """axe-core finds no serious or critical violation on the page as it stands."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    grave = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert not grave, f"{name}: " + "; ".join(grave)


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_an_account_manager_takes_a_company_from_trial_to_license(
    page: Page, live_server, people, seat_product
):
    sign_in(page, live_server, "am")
    page.get_by_role("link", name="Companies").first.click()
    page.get_by_role("link", name="New company").click()
    page.get_by_label("Name").fill("Globex")
    page.get_by_label("Domain").fill("globex.example")
    page.get_by_label("Headcount").fill("200")
    page.get_by_label("Target seats").fill("120")
    page.get_by_role("button", name="Save company").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Globex")

    page.get_by_role("link", name="Add contact").click()
    page.get_by_label("First name").fill("Hank")
    page.get_by_label("Last name").fill("Scorpio")
    page.get_by_label("Email").fill("hank@globex.example")
    page.get_by_label("Primary contact").check()
    page.get_by_role("button", name="Save contact").click()
    expect(page.get_by_role("cell", name="Hank Scorpio", exact=True)).to_be_visible()

    page.get_by_role("link", name="Start trial").click()
    page.get_by_label("Product").select_option(label="Seatdesk Team")
    page.get_by_label("Seats").fill("23")
    expect(page.get_by_label("Length in days")).to_have_value("30")
    page.get_by_role("button", name="Start trial").click()
    expect(page.get_by_role("alert")).to_contain_text("Trial of Seatdesk Team started")

    page.get_by_role("button", name="Convert the Seatdesk Team trial").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Trial conversion")
    price = page.locator("#quote-price")
    expect(price).to_contain_text("23 requested → 25 billed, blocks of 5")
    page.get_by_label("Tax (%)").fill("20")
    expect(price.get_by_test_id("total")).to_have_text("1,050.00 EUR")  # 25 × 35.00 + 20 %
    shoot(page, "journey-builder-desktop")
    page.get_by_role("button", name="Save draft").click()

    page.get_by_label("Note to the recipient (optional)").fill("As discussed on Tuesday.")
    page.get_by_role("button", name="Send quote").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"Q-\d{4}-\d{5}"))
    page.get_by_role("button", name="Mark accepted").click()
    page.get_by_role("dialog").get_by_role("button", name="Mark accepted").click()
    expect(page.get_by_role("alert").first).to_contain_text("accepted")

    page.get_by_role("link", name="Globex").first.click()
    licenses = page.get_by_role("region", name="Licenses")
    expect(licenses.get_by_role("row", name=re.compile("Seatdesk Team .* 25"))).to_be_visible()
    assert License.objects.get(company__name="Globex").seats == 25


@pytest.fixture
def sent_quote(people, seat_product):
    company = CompanyFactory(name="Initech", owner=people["account_manager"])
    ContactFactory(company=company, is_primary=True)
    quote = make_quote(company=company, product=seat_product, seats=23)
    return services.send_quote(quote=quote, actor=people["account_manager"])


def test_finance_reads_the_quote_but_cannot_edit_it(page: Page, live_server, sent_quote):
    draft = services.revise_quote(quote=sent_quote, actor=sent_quote.owner)
    sign_in(page, live_server, "finance")
    page.goto(f"{live_server.url}/quotes/{draft.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(sent_quote.number)
    expect(page.get_by_role("link", name="Edit quote")).to_have_count(0)
    expect(page.get_by_role("button", name="Send quote")).to_have_count(0)
    page.goto(f"{live_server.url}/quotes/{draft.pk}/edit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You may not do this")


def test_support_cannot_open_the_quote_builder(page: Page, live_server, sent_quote):
    sign_in(page, live_server, "support")
    expect(page.get_by_role("link", name="Quotes")).to_have_count(0)
    page.goto(f"{live_server.url}/quotes/new/?company={sent_quote.company_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("You may not do this")


def test_signing_in_and_moving_around_works_with_the_keyboard_alone(
    page: Page, live_server, people
):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("am")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good day")
    page.keyboard.press("Tab")  # the skip link comes first, and shows when focused
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.get_by_label("Search companies, contacts and quotes").focus()
    page.keyboard.type("nothing-matches")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("nothing-matches")


@pytest.fixture
def every_object(people, seat_product):
    """One of everything a page can show, owned by the account manager."""
    today = timezone.localdate()
    manager = people["account_manager"]
    company = CompanyFactory(name="Umbrella", owner=manager, employee_count=400, target_seats=200)
    ContactFactory(company=company, is_primary=True)
    trial = TrialFactory(company=company, product=seat_product, starts_on=today, ends_on=today + timedelta(days=5))  # fmt: skip
    license = LicenseFactory(company=company, product=ProductFactory(name="Seatdesk Analytics"), seats=50, starts_on=today - timedelta(days=300), ends_on=today + timedelta(days=64))  # fmt: skip
    sent = services.send_quote(quote=make_quote(company=company, product=seat_product), actor=manager)  # fmt: skip
    discounted = make_quote(company=company, product=seat_product, discount_percent=Decimal("25"))
    services.accept_quote(
        quote=services.send_quote(
            quote=make_quote(company=company, product=seat_product, seats=7), actor=manager
        ),  # fmt: skip
        actor=manager,
    )
    return {
        "company": company,
        "trial": trial,
        "license": license,
        "sent": sent,
        "draft": discounted,
        "contact": company.contacts.get(),
    }


def pages_for(role: str, objects: dict) -> dict[str, str]:
    """The pages each role may open (the role matrix in tests/test_roles.py says the rest)."""
    company, quote, draft = objects["company"], objects["sent"], objects["draft"]
    pages = {
        "home": "/",
        "search": "/search/?q=um",
        "companies": "/companies/",
        "company": f"/companies/{company.pk}/",
        "trials": "/trials/",
        "licenses": "/licenses/?due=90",
        "license": f"/licenses/{objects['license'].pk}/",
        "password": "/accounts/password_change/",
    }
    if role in ("account_manager", "admin", "finance"):
        pages |= {"quotes": "/quotes/", "quote": f"/quotes/{quote.pk}/", "draft": f"/quotes/{draft.pk}/"}  # fmt: skip
    if role in ("account_manager", "admin"):
        pages |= {
            "company-form": f"/companies/{company.pk}/edit/",
            "contact-form": f"/companies/{company.pk}/contacts/new/",
            "trial-start": f"/companies/{company.pk}/trials/new/",
            "trial-extend": f"/trials/{objects['trial'].pk}/extend/",
            "builder": f"/quotes/new/?company={company.pk}",
            "builder-edit": f"/quotes/{draft.pk}/edit/",
            "add-seats": f"/licenses/{objects['license'].pk}/add-seats/",
        }
    if role in ("finance", "admin"):
        pages["approvals"] = "/quotes/approvals/"
    return pages


@pytest.mark.parametrize("role", ["account_manager", "support", "finance", "admin"])
def test_every_page_is_accessible_at_desktop_and_phone_width(
    browser, live_server, role, people, every_object
):
    for width_name, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
        page = context.new_page()
        sign_in(page, live_server, people[role].username)
        for name, path in pages_for(role, every_object).items():
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, f"{role} {path}: {response.status}"
            overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
            wider = page.evaluate(WIDER_THAN_THE_SCREEN) if overflow > 0 else []
            assert overflow <= 0, f"{role} {path} scrolls sideways at {width}px: {wider}"
            if width_name == "desktop":
                assert_accessible(page, f"{role} {path}")
            shoot(page, f"{role}-{name}-{width}")
        context.close()


def test_the_sign_in_page_and_the_error_pages_are_accessible(page: Page, live_server, people):
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page, "sign in")
    page.get_by_role("button", name="Sign in").click()
    assert_accessible(page, "sign in with errors")
    shoot(page, "sign-in-errors-1280")
    sign_in(page, live_server, "support")
    for path in ("/quotes/", "/companies/999999/"):
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page, path)
    assert Quote.objects.count() == 0
