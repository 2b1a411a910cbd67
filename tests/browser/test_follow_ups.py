"""An account manager logs a call on a company and completes a follow-up from home, and logs
a meeting from a license page, in Chromium, without a page reload."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Activity, FollowUp, Interaction, describe_subject, subject_key
from tests.licensing.factories import LicenseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("Good day"))).to_be_visible()


def test_logging_a_call_and_completing_a_follow_up_from_home(
    page, live_server, account_manager, company
):
    contact = company.contacts.get()
    sign_in(page, live_server, "am")
    page.goto(f"{live_server.url}/companies/{company.pk}/")
    page.evaluate("window.notReloaded = true")

    # Log a call: it appears on the timeline in place.
    page.get_by_text("Log a note, call or meeting").click()
    form = page.locator("#interaction-form")
    form.get_by_label("What").select_option("call")
    form.get_by_label("With").select_option(label=contact.full_name)
    form.get_by_label("Summary").fill("They want 40 more seats in March.")
    form.get_by_role("button", name="Log it").click()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text(f"Call with {contact.full_name}")
    expect(timeline).to_contain_text("They want 40 more seats in March.")

    # A follow-up with a bad date is refused next to the field, then planned for today.
    page.get_by_text("Plan a follow-up").click()
    form = page.locator("#follow-up-form")
    form.get_by_label("Title").fill("Send the expansion quote")
    form.get_by_label("Due").fill("2001-01-01")
    form.get_by_role("button", name="Plan follow-up").click()
    expect(page.locator("#follow-up-form")).to_contain_text("A follow-up falls due today or later.")
    today = page.evaluate("new Date().toLocaleDateString('en-CA')")
    page.locator("#follow-up-form").get_by_label("Due").fill(today)
    page.locator("#follow-up-form").get_by_role("button", name="Plan follow-up").click()
    expect(page.locator("#company-follow-ups")).to_contain_text("Send the expansion quote")
    expect(timeline).to_contain_text("Follow-up planned")
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path="artifacts/follow-ups-company.png", full_page=True)

    # Home: due today, done with one click; a double click completes it once.
    page.get_by_role("link", name="Seatdesk").click()
    today_list = page.locator("#my-follow-ups")
    row = today_list.locator("li", has_text="Send the expansion quote")
    expect(row).to_be_visible()
    row.get_by_role("button", name=re.compile("Done")).dblclick()
    expect(today_list.locator("li", has_text="Send the expansion quote")).to_contain_text("Done")
    page.screenshot(path="artifacts/follow-ups-home.png", full_page=True)

    page.reload()
    expect(page.locator("#my-follow-ups")).not_to_contain_text("Send the expansion quote")
    assert Interaction.objects.get().kind == "call"
    assert FollowUp.objects.get().completed_by == account_manager
    assert Activity.objects.filter(message__startswith="Follow-up done").count() == 1


def test_logging_a_meeting_and_planning_a_follow_up_from_a_license_page(
    page, live_server, account_manager, company, product
):
    license = LicenseFactory(company=company, product=product)
    sign_in(page, live_server, "am")
    page.goto(f"{live_server.url}{license.get_absolute_url()}")
    page.evaluate("window.notReloaded = true")

    page.get_by_text("Log a note, call or meeting").click()
    form = page.locator("#interaction-form")
    expect(form.get_by_label("About")).to_have_value(subject_key(license))
    form.get_by_label("What").select_option("meeting")
    form.get_by_label("Summary").fill("Renewal: they ask for a 3-year term.")
    form.get_by_role("button", name="Log it").click()
    expect(page.locator("#timeline")).to_contain_text("Renewal: they ask for a 3-year term.")

    page.get_by_text("Plan a follow-up").click()
    form = page.locator("#follow-up-form")
    form.get_by_label("Title").fill("Price a 3-year renewal")
    form.get_by_role("button", name="Plan follow-up").click()
    expect(page.locator("#company-follow-ups")).to_contain_text("Price a 3-year renewal")
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path="artifacts/follow-ups-license.png", full_page=True)

    page.goto(f"{live_server.url}{company.get_absolute_url()}")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Renewal: they ask for a 3-year term.")
    expect(timeline).to_contain_text(describe_subject(license))
    assert FollowUp.objects.get().subject == license
