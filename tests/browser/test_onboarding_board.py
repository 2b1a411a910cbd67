import re

import pytest
from playwright.sync_api import expect

from onboarding.models import Category, Onboarding
from onboarding.services import start_onboarding
from tests.licensing.factories import LicenseFactory
from tests.onboarding.factories import ChecklistTemplateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name=re.compile(username, re.I))).to_be_visible()


def task_row(page, title):
    return page.locator("li.list-group-item", has=page.get_by_label(title, exact=True))


def test_support_ticks_tasks_blocks_one_and_goes_live_only_when_implementation_is_done(
    page, live_server, support, company, product
):
    ChecklistTemplateFactory(
        tasks=[
            ("Set up single sign-on", Category.CONFIGURATION, 3),
            ("Import the user list", Category.IMPLEMENTATION, 7),
            ("Connect the directory", Category.IMPLEMENTATION, 10),
            ("Write the admin guide", Category.DOCUMENTATION, 14),
        ]
    )
    start_onboarding(license=LicenseFactory(company=company, product=product), owner=support)
    support.first_name, support.last_name = "", ""
    support.save()
    sign_in(page, live_server, "support")

    page.get_by_role("link", name="Onboarding").click()
    card = page.locator("article", has_text=company.name)
    expect(card).to_contain_text("Not started")
    card.get_by_role("link", name=company.name).click()
    expect(page.get_by_role("heading", name=f"Onboarding of {company.name}")).to_be_visible()

    # Ticking a task updates the progress without a reload.
    page.get_by_label("Set up single sign-on", exact=True).check()
    progress = page.locator("#onboarding-progress")
    expect(progress.locator("[data-category=configuration]")).to_have_text("1 / 1")
    expect(progress).to_contain_text("1 of 4 tasks done")
    expect(task_row(page, "Set up single sign-on")).to_contain_text("Done by support")

    # Blocking needs a reason, given in place.
    row = task_row(page, "Connect the directory")
    row.locator("summary").click()
    row.get_by_label("Status").select_option("blocked")
    row.get_by_label("Reason, if blocked").fill("Waiting for the client's VPN access")
    row.get_by_role("button", name="Save status").click()
    expect(task_row(page, "Connect the directory")).to_contain_text(
        "Blocked: Waiting for the client's VPN access"
    )

    # Not live while implementation tasks are open.
    page.get_by_role("button", name="Mark live").click()
    page.get_by_role("dialog").get_by_role("button", name="Mark live").click()
    expect(page.get_by_role("alert")).to_contain_text("cannot go live yet")
    expect(page.get_by_role("alert")).to_contain_text("Import the user list; Connect the directory")
    assert Onboarding.objects.get().status == Onboarding.Status.IN_PROGRESS

    page.get_by_label("Import the user list", exact=True).check()
    expect(progress.locator("[data-category=implementation]")).to_have_text("1 / 2")
    page.get_by_label("Connect the directory", exact=True).check()
    expect(progress.locator("[data-category=implementation]")).to_have_text("2 / 2")

    # The board shows the progress too.
    page.get_by_role("link", name="Onboarding", exact=True).first.click()
    card = page.locator("article", has_text=company.name)
    expect(card.locator("[data-category=implementation]")).to_have_text("2 / 2")
    expect(card).to_contain_text("In progress")
    card.get_by_role("link", name=company.name).click()

    page.get_by_role("button", name="Mark live").click()
    page.get_by_role("dialog").get_by_role("button", name="Mark live").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{company.name} is live.")
    expect(page.get_by_text("live since")).to_be_visible()
    onboarding = Onboarding.objects.select_related("license").get()
    assert onboarding.status == Onboarding.Status.LIVE
    assert onboarding.license.live_on == onboarding.live_on
