"""A true-up: seats assigned beyond the license, drafted as an expansion for the missing
seats, rounded up to whole blocks, co-termed and prorated like any expansion."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from licensing.models import UsageRecord
from sales import services
from sales.models import Quote
from tests.licensing.factories import LicenseFactory

AUGUST_20 = date(2026, 8, 20)


@pytest.fixture
def license(company, product):
    """20 seats in blocks of 5 at 36.00 a year, for 2026."""
    return LicenseFactory(
        company=company,
        product=product,
        seats=20,
        unit_price=Decimal("36.00"),
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )


def report(license, *, assigned, active, day=AUGUST_20 - timedelta(days=1)):
    UsageRecord.objects.create(
        license=license, day=day, assigned_seats=assigned, active_users_30d=active
    )


def test_a_true_up_drafts_the_missing_seats_in_whole_blocks_prorated_to_the_end(
    license, account_manager
):
    report(license, assigned=33, active=30)  # 13 seats beyond the 20 licensed

    quote = services.draft_true_up_quote(license=license, actor=account_manager, today=AUGUST_20)

    line = quote.lines.get()
    assert (quote.kind, quote.license_id) == (Quote.Kind.EXPANSION, license.pk)
    assert (line.requested_seats, line.billed_seats) == (13, 15)
    assert quote.starts_on == AUGUST_20 and quote.coterm.fraction == "134/365"
    assert line.line_total == Decimal("198.25")  # 15 × 36.00 × 134 / 365


def test_the_latest_report_decides_the_seats(license, account_manager):
    report(license, assigned=40, active=30, day=AUGUST_20 - timedelta(days=10))
    report(license, assigned=22, active=20)

    quote = services.draft_true_up_quote(license=license, actor=account_manager, today=AUGUST_20)

    assert quote.lines.get().billed_seats == 5


def test_a_license_within_its_seats_has_nothing_to_true_up(license, account_manager):
    report(license, assigned=20, active=19)

    with pytest.raises(ValidationError, match="nothing to true up"):
        services.draft_true_up_quote(license=license, actor=account_manager, today=AUGUST_20)
    assert not Quote.objects.exists()


def test_the_license_page_offers_the_true_up_and_opens_the_draft(
    client, account_manager, company, product
):
    today = timezone.localdate()
    license = LicenseFactory(
        company=company, product=product, seats=20,
        starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=300),
    )  # fmt: skip
    report(license, assigned=26, active=24, day=today)
    client.force_login(account_manager)

    page = client.get(reverse("license_detail", args=[license.pk])).content.decode()
    assert "Draft true-up quote" in page and "over-deployed by 6" in page

    response = client.post(reverse("license_true_up", args=[license.pk]))

    quote = Quote.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "quote_edit", args=[quote.pk]
    )
    assert quote.lines.get().billed_seats == 10


def test_another_account_manager_may_not_draft_a_true_up(client, other_account_manager, license):
    report(license, assigned=33, active=30)
    client.force_login(other_account_manager)

    response = client.post(reverse("license_true_up", args=[license.pk]))

    assert response.status_code == 403
    assert not Quote.objects.exists()
