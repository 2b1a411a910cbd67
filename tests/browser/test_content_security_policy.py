"""The Content-Security-Policy holds in a real browser (Debian chromium): every main page, as
each role, loads and works without a single violation (no inline script or style needed)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.roles import can
from onboarding.services import start_onboarding
from sales.services import send_quote
from tests.accounts.factories import CompanyFactory, ContactFactory, UserFactory
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.onboarding.factories import ChecklistTemplateFactory
from tests.sales.factories import make_quote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chromium reports a blocked script or style on the console; the event catches the rest
# (e.g. a blocked image or a style attribute set by markup).
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', event => console.error(
  `CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'}` +
  ` at ${event.sourceFile}:${event.lineNumber}`));
"""
ROLES = {
    "am": "Account managers",
    "support": "Support",
    "finance": "Finance",
    "admin": None,
}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """This test must see the policy applied (other browser tests bypass it to inject axe)."""
    return {**browser_context_args, "bypass_csp": False}


@pytest.fixture
def book():
    users = {
        username: UserFactory(username=username, role=role)
        for username, role in ROLES.items()
        if role
    }
    users["admin"] = UserFactory(username="admin", is_staff=True, is_superuser=True)
    product = ProductFactory(seat_block_size=5, tiers=[(1, Decimal("40.00"))])
    company = CompanyFactory(owner=users["am"], employee_count=200, target_seats=120)
    ContactFactory(company=company, is_primary=True)
    today = timezone.localdate()
    trial = TrialFactory(company=company, product=product, ends_on=today + timedelta(days=10))
    license = LicenseFactory(
        company=company, product=ProductFactory(), seats=40
    )  # new business quotes `product`
    ChecklistTemplateFactory()
    onboarding = start_onboarding(license=license, owner=users["support"])
    sent = send_quote(
        quote=make_quote(company=company, product=product, seats=12), actor=users["am"]
    )
    pending = make_quote(
        company=company, product=product, seats=30, discount_percent=Decimal("30.00")
    )
    pages = [
        ("home", None),
        ("company_list", "view_companies"),
        (reverse("company_detail", args=[company.pk]), "view_companies"),
        (reverse("company_edit", args=[company.pk]), "edit_company"),
        ("trial_list", "view_trials"),
        (reverse("trial_start", args=[company.pk]), "edit_trial"),
        (reverse("trial_extend", args=[trial.pk]), "edit_trial"),
        ("license_list", "view_licenses"),
        (reverse("license_detail", args=[license.pk]), "view_licenses"),
        ("quote_list", "view_quotes"),
        (reverse("quote_detail", args=[sent.pk]), "view_quotes"),
        (reverse("quote_detail", args=[pending.pk]), "view_quotes"),
        (reverse("quote_create") + f"?company={company.pk}", "edit_quote"),
        (reverse("quote_edit", args=[pending.pk]), "edit_quote"),
        ("approval_queue", "approve_quote"),
        ("onboarding_board", "view_onboarding"),
        (reverse("onboarding_detail", args=[onboarding.pk]), "view_onboarding"),
        ("finance_exports", "export"),
        ("dashboard", "view_dashboard"),
        (reverse("search") + f"?q={company.name}", None),
        ("api_tokens", None),
        ("password_change", None),
        ("swagger-ui", None),
    ]
    return users, pages


def watch_for_violations(page: Page) -> list[str]:
    violations = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "CSP violation" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(f"script error: {error}"))
    return violations


@pytest.mark.parametrize("username", list(ROLES))
def test_every_main_page_loads_without_a_csp_violation(page: Page, live_server, book, username):
    users, pages = book
    violations = watch_for_violations(page)

    response = page.goto(f"{live_server.url}/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    visited = []
    for target, permission in pages:
        if permission and not can(users[username], permission):
            continue
        url = target if target.startswith("/") else reverse(target)
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        visited.append(url)
        assert not violations, f"{username} on {url}: {violations}"
    if username == "admin":
        page.goto(f"{live_server.url}{reverse('admin:index')}")
        page.goto(f"{live_server.url}{reverse('admin:accounts_company_changelist')}")
        page.wait_for_load_state("networkidle")
    assert not violations, f"{username}: {violations}"
    assert len(visited) >= 6


def test_htmx_and_the_dashboard_charts_work_under_the_policy(page: Page, live_server, book):
    violations = watch_for_violations(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("am")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server.url}{reverse('dashboard')}")
    page.wait_for_load_state("networkidle")
    assert page.locator("canvas").count() > 0
    page.goto(f"{live_server.url}{reverse('quote_list')}")
    page.get_by_role("link", name="New quote").first.click()
    page.wait_for_load_state("networkidle")

    assert not violations, violations


def test_the_clients_quote_page_holds_the_policy(page: Page, live_server, book):
    from sales.links import token_of
    from sales.models import Quote

    violations = watch_for_violations(page)
    sent = Quote.objects.get(status=Quote.Status.SENT)
    response = page.goto(
        f"{live_server.url}{reverse('portal_quote', args=[token_of(sent.links.get())])}"
    )
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    page.get_by_label("Your question").fill("Can we pay monthly?")
    page.get_by_role("button", name="Send the question").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Accept the quote").is_visible()
    assert not violations, violations
