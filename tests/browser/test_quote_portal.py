"""The client's side of a quote in a real browser (Debian chromium), at phone width: from the
email's link to the page, accepting (license, onboarding, certificate), declining, and the
expired, superseded and tampered links; axe-core on every page."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from licensing.models import License
from onboarding.models import Onboarding
from sales import services
from sales.models import Quote
from tests.accounts.factories import CompanyFactory, ContactFactory, UserFactory
from tests.browser.test_back_office import WIDER_THAN_THE_SCREEN, assert_accessible, shoot
from tests.licensing.factories import ProductFactory
from tests.sales.factories import make_quote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def send(settings, live_server):
    """Send a quote to Ana Lima of Acme; answer the personal link its email carries."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    owner = UserFactory(username="am", role="Account managers", email="am@seatdesk.example")
    company = CompanyFactory(name="Acme Logistics", owner=owner)
    ContactFactory(company=company, is_primary=True, first_name="Ana", last_name="Lima",
                   email="ana@acme.example")  # fmt: skip
    product = ProductFactory(name="Seatdesk Team", seat_block_size=5, tiers=[(1, Decimal("40.00")), (25, Decimal("35.00"))])  # fmt: skip

    def send(quote=None) -> tuple[Quote, str]:
        mail.outbox.clear()
        quote = services.send_quote(
            quote=quote or make_quote(company=company, product=product, seats=23),
            actor=owner,
        )
        [email] = [email for email in mail.outbox if email.to[0].endswith("<ana@acme.example>")]
        url = re.search(rf"{re.escape(live_server.url)}/q/\S+/", email.body).group(0)
        quote.refresh_from_db()  # the PDF and its hash, stored as the email went
        return quote, url

    return send


def on_the_phone(page: Page, url: str, name: str):
    page.set_viewport_size(PHONE)
    response = page.goto(url)
    assert page.evaluate(WIDER_THAN_THE_SCREEN) == [], name
    assert_accessible(page, name)
    shoot(page, f"portal-{name}")
    return response


def test_the_client_accepts_from_the_emails_link_on_a_phone(page: Page, send):
    quote, url = send()
    on_the_phone(page, url, "open")
    expect(page.get_by_role("heading", level=1)).to_contain_text(quote.reference)
    expect(page.get_by_test_id("total")).to_contain_text("875.00")
    expect(page.get_by_test_id("sha256")).to_have_text(quote.pdf_sha256)

    page.get_by_label("Full name").fill("Ana Lima")
    page.get_by_label("Job title").fill("Chief Financial Officer")
    page.get_by_label("Signature").fill("Ana Lima")
    page.get_by_role("button", name=re.compile("Accept quote")).click()
    expect(
        page.get_by_text("Confirm that you may accept on behalf of Acme Logistics.")
    ).to_be_visible()
    assert_accessible(page, "refused")
    page.get_by_label("I am authorised to accept on behalf of Acme Logistics").check()
    page.get_by_role("button", name=re.compile("Accept quote")).click()

    expect(page.get_by_role("heading", name="Quote accepted")).to_be_visible()
    expect(page.get_by_text(quote.pdf_sha256)).to_be_visible()
    assert_accessible(page, "accepted")
    shoot(page, "portal-accepted")
    license = License.objects.get(company=quote.company)
    assert license.seats == 25 and Onboarding.objects.filter(license=license).exists()
    quote.refresh_from_db()
    assert quote.acceptance.pdf_sha256 == quote.pdf_sha256
    assert quote.acceptance.user_agent and quote.acceptance.ip_address == "127.0.0.1"
    [certificate_email] = [e for e in mail.outbox if e.to == ["ana@acme.example"]]
    assert certificate_email.attachments[0][1] == bytes(quote.acceptance.certificate_pdf)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("acceptance certificate")).click()
    assert download.value.path().read_bytes() == bytes(quote.acceptance.certificate_pdf)


def test_the_client_declines_with_a_reason(page: Page, send):
    quote, url = send()
    on_the_phone(page, url, "before-decline")
    page.get_by_label("Timing").check()
    page.get_by_label("In a few words").fill("We chose to wait until next year")
    page.get_by_role("button", name="Decline the quote").click()
    expect(page.get_by_role("heading", name="Quote declined")).to_be_visible()
    assert page.locator("form").count() == 0
    assert_accessible(page, "declined")
    quote.refresh_from_db()
    assert (quote.decline_reason_code, quote.decline_reason) == (
        "timing",
        "We chose to wait until next year",
    )


def test_an_expired_quote_shows_its_state_and_whom_to_ask(page: Page, send):
    quote, url = send()
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    on_the_phone(page, url, "expired")
    expect(page.get_by_role("heading", name="This quote has expired")).to_be_visible()
    expect(page.get_by_role("link", name="am@seatdesk.example")).to_be_visible()
    assert page.locator("form").count() == 0


def test_a_superseded_link_leads_to_the_new_revision(page: Page, send):
    quote, old_url = send()
    revision = services.revise_quote(quote=quote, actor=quote.owner)
    revision, new_url = send(revision)
    on_the_phone(page, old_url, "superseded")
    expect(page.get_by_text("This quote was replaced by revision 2.")).to_be_visible()
    page.get_by_role("link", name="Open revision 2").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("rev. 2")
    assert page.url == new_url


def test_a_tampered_link_is_a_plain_404(page: Page, send):
    quote, url = send()
    tampered = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    response = on_the_phone(page, tampered, "tampered")
    assert response.status == 404
    assert "Acme" not in page.content()
