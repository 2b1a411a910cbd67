from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from licensing.models import License, PriceTier, Trial
from licensing.services import start_trial
from sales import services
from sales.models import Quote
from sales.pricing import LineInput
from tests.accounts.factories import ContactFactory
from tests.licensing.factories import LicenseFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db


def test_a_draft_prices_23_seats_as_25_billed_on_blocks_of_5(company, product):
    quote = make_quote(company=company, product=product, seats=23, tax_percent=Decimal("20"))
    line = quote.lines.get()
    assert (line.requested_seats, line.billed_seats, line.unit_price) == (23, 25, Decimal("35.00"))
    assert (quote.subtotal, quote.tax_amount, quote.total) == (
        Decimal("875.00"),
        Decimal("175.00"),
        Decimal("1050.00"),
    )
    assert quote.number == "" and quote.status == Quote.Status.DRAFT


def test_sending_numbers_and_freezes_the_quote(company, product, account_manager):
    quote = make_quote(company=company, product=product)
    sent = services.send_quote(quote=quote, actor=account_manager)
    year = timezone.localdate().year
    assert sent.number == f"Q-{year}-00001"
    assert sent.valid_until == timezone.localdate() + timedelta(days=30)
    with pytest.raises(ValidationError, match="frozen"):
        services.update_quote(quote=sent, actor=account_manager, discount_percent=Decimal("5"))
    second = services.send_quote(
        quote=make_quote(company=company, product=product), actor=account_manager
    )
    assert second.number == f"Q-{year}-00002"


def test_sending_a_quote_with_no_lines_is_refused(company, account_manager):
    quote = services.create_quote(
        company=company, actor=account_manager, lines=[], contact=ContactFactory(company=company)
    )
    with pytest.raises(ValidationError, match="at least one line"):
        services.send_quote(quote=quote, actor=account_manager)
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DRAFT and quote.number == ""


def test_a_big_discount_waits_for_approval_and_a_change_withdraws_it(
    company, product, account_manager, finance
):
    quote = make_quote(company=company, product=product, discount_percent=Decimal("20"))
    assert quote.approval == Quote.Approval.PENDING
    with pytest.raises(ValidationError, match="needs approval"):
        services.send_quote(quote=quote, actor=account_manager)
    services.approve_quote(quote=quote, actor=finance)
    services.update_quote(quote=quote, actor=account_manager, lines=[LineInput(product, 40)])
    quote.refresh_from_db()
    assert quote.approval == Quote.Approval.PENDING
    services.approve_quote(quote=quote, actor=finance)
    assert services.send_quote(quote=quote, actor=account_manager).status == Quote.Status.SENT


def test_accepting_a_new_business_quote_creates_the_license(company, product, account_manager):
    quote = make_quote(company=company, product=product, seats=23, starts_on=date(2026, 12, 1))
    services.send_quote(quote=quote, actor=account_manager)
    services.accept_quote(quote=quote, actor=account_manager)
    license = License.objects.get(company=company)
    assert (license.seats, license.unit_price) == (25, Decimal("35.00"))
    assert (license.starts_on, license.ends_on) == (date(2026, 12, 1), date(2027, 11, 30))
    assert quote.lines.get().license == license


def test_a_trial_converts_through_its_quote(company, product, account_manager):
    trial = start_trial(company=company, product=product, seats=23, actor=account_manager)
    quote = services.draft_trial_conversion_quote(trial=trial, actor=account_manager)
    services.send_quote(quote=quote, actor=account_manager)
    services.accept_quote(quote=quote, actor=account_manager)
    trial.refresh_from_db()
    assert trial.status == Trial.Status.CONVERTED
    assert trial.converted_license.seats == 25
    with pytest.raises(ValidationError, match="converted"):
        services.draft_trial_conversion_quote(trial=trial, actor=account_manager)


def test_an_answer_and_the_trial_it_converts_carry_the_moment_they_were_given(
    company, product, account_manager
):
    # Answers recorded after the fact (the demo's history, a backlog) keep their own dates,
    # which the dashboard's conversion and win-rate figures are counted by.
    trial = start_trial(company=company, product=product, seats=10, actor=account_manager)
    quote = services.draft_trial_conversion_quote(trial=trial, actor=account_manager)
    sent = timezone.now() - timedelta(days=20)
    services.send_quote(quote=quote, actor=account_manager, now=sent)
    answered = sent + timedelta(days=3)

    accepted = services.accept_quote(quote=quote, actor=account_manager, now=answered)

    trial.refresh_from_db()
    assert accepted.accepted_at == trial.ended_at == answered
    assert company.activities.filter(occurred_at=answered).count() == 1


def test_an_expansion_is_prorated_to_the_license_end(company, product, account_manager):
    license = LicenseFactory(
        company=company,
        product=product,
        seats=20,
        unit_price=Decimal("36.50"),
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    quote = services.draft_expansion_quote(
        license=license, seats=10, effective_on=date(2026, 7, 2), actor=account_manager
    )
    # 10 seats x 36.50 for the remaining 183 of 365 days.
    assert quote.lines.get().line_total == Decimal("183.00")
    services.send_quote(quote=quote, actor=account_manager)
    services.accept_quote(
        quote=quote,
        actor=account_manager,
        now=datetime(2026, 7, 1, 10, tzinfo=timezone.get_current_timezone()),
    )
    license.refresh_from_db()
    assert license.seats == 30
    change = license.seat_changes.get()
    assert (change.delta, change.prorated_amount) == (10, Decimal("183.00"))


def test_a_renewal_makes_the_next_term_at_todays_prices(company, product, account_manager):
    license = LicenseFactory(company=company, product=product, seats=30, unit_price=Decimal("20"))
    PriceTier.objects.filter(product=product, min_seats=25).update(unit_price=Decimal("33.00"))
    quote = services.draft_renewal_quote(license=license, actor=account_manager)
    services.send_quote(quote=quote, actor=account_manager)
    services.accept_quote(quote=quote, actor=account_manager)
    license.refresh_from_db()
    renewal = license.renewal
    assert license.status == License.Status.RENEWED
    assert (renewal.starts_on, renewal.ends_on) == (date(2027, 1, 1), date(2027, 12, 31))
    assert (renewal.seats, renewal.unit_price) == (30, Decimal("33.00"))


def test_a_revision_supersedes_the_sent_quote_and_keeps_its_number(
    company, product, account_manager
):
    quote = services.send_quote(
        quote=make_quote(company=company, product=product), actor=account_manager
    )
    revision = services.revise_quote(quote=quote, actor=account_manager)
    assert (revision.number, revision.revision, revision.status) == (quote.number, 2, "draft")
    services.update_quote(quote=revision, actor=account_manager, discount_percent=Decimal("5"))
    services.send_quote(quote=revision, actor=account_manager)
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SUPERSEDED
    with pytest.raises(ValidationError):
        services.accept_quote(quote=quote, actor=account_manager)


def test_declined_and_expired_quotes_cannot_be_accepted(company, product, account_manager):
    declined = services.send_quote(
        quote=make_quote(company=company, product=product), actor=account_manager
    )
    services.decline_quote(quote=declined, actor=account_manager)
    with pytest.raises(ValidationError, match="declined"):
        services.accept_quote(quote=declined, actor=account_manager)
    sent = services.send_quote(
        quote=make_quote(company=company, product=product), actor=account_manager
    )
    with pytest.raises(ValidationError, match="expired"):
        day_after = datetime.combine(sent.valid_until + timedelta(days=1), time(9))
        services.accept_quote(quote=sent, actor=account_manager, now=timezone.make_aware(day_after))
    assert not License.objects.exists()
