"""The confirmation dialog (static/js/confirm.js) in a real browser (Debian chromium) before
the account manager's two undoable-by-no-one actions: cancelling a trial, and removing a
contact. Cancel and Escape change nothing; confirming does the deed."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Contact
from licensing.models import Trial
from tests.accounts.factories import CompanyFactory, ContactFactory, UserFactory
from tests.browser.test_back_office import assert_accessible, shoot, sign_in
from tests.licensing.factories import ProductFactory, TrialFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def company():
    manager = UserFactory(username="am", role="Account managers")
    return CompanyFactory(owner=manager, name="Northwind")


def ask_then_dismiss(page: Page, opener, question: str, shot: str) -> None:
    """The opener asks `question` in an accessible dialog, its Cancel button focused; the
    dialog is closed by Cancel, then opened again and closed by Escape: each time it hides
    and the focus goes back to the button that opened it."""
    dialog = page.get_by_role("dialog")
    opener.click()
    expect(dialog).to_contain_text(question)
    expect(dialog.get_by_role("button", name="Cancel", exact=True)).to_be_focused()
    assert_accessible(page, shot)
    shoot(page, shot)
    dialog.get_by_role("button", name="Cancel", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()
    opener.click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()


def test_cancelling_a_trial_asks_first_and_cancel_or_escape_keeps_it_running(
    page: Page, live_server, company
):
    today = timezone.localdate()
    trial = TrialFactory(
        company=company,
        product=ProductFactory(name="Seatdesk Team"),
        starts_on=today - timedelta(days=5),
        ends_on=today + timedelta(days=9),
    )
    sign_in(page, live_server, "am")
    page.goto(f"{live_server.url}/trials/{trial.pk}/extend/")
    cancel_trial = page.get_by_role("button", name="Cancel trial")
    dialog = page.get_by_role("dialog")

    ask_then_dismiss(
        page,
        cancel_trial,
        "Cancel the trial of Seatdesk Team for Northwind?",
        "trial-cancel-dialog",
    )
    trial.refresh_from_db()
    assert trial.status == Trial.Status.ACTIVE

    cancel_trial.click()
    dialog.get_by_role("button", name="Cancel trial").click()
    expect(page.get_by_role("alert").first).to_contain_text("Trial of Seatdesk Team cancelled.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Northwind")
    trial.refresh_from_db()
    assert trial.status == Trial.Status.CANCELLED


def test_removing_a_contact_asks_first_then_the_contact_is_gone_from_the_page(
    page: Page, live_server, company
):
    ContactFactory(company=company, first_name="Ada", last_name="Lovelace", is_primary=True)
    leaving = ContactFactory(company=company, first_name="Grace", last_name="Hopper")
    sign_in(page, live_server, "am")
    page.goto(f"{live_server.url}/companies/{company.pk}/")
    contacts = page.get_by_role("region", name="Contacts")
    remove = contacts.get_by_role("button", name="Remove Grace Hopper")
    dialog = page.get_by_role("dialog")

    ask_then_dismiss(page, remove, "Remove Grace Hopper from Northwind?", "contact-remove-dialog")
    expect(page).to_have_url(f"{live_server.url}/companies/{company.pk}/")
    assert Contact.objects.filter(pk=leaving.pk).exists()

    remove.click()
    dialog.get_by_role("button", name="Remove contact").click()
    expect(page.get_by_role("alert").first).to_contain_text("Grace Hopper removed.")
    expect(page).to_have_url(f"{live_server.url}/companies/{company.pk}/")
    expect(contacts).not_to_contain_text("Grace Hopper")
    expect(contacts).to_contain_text("Ada Lovelace")
    assert not Contact.objects.filter(pk=leaving.pk).exists()
