from collections import Counter
from datetime import date

import pytest
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Activity, Company, Contact
from licensing.models import License, SeatChange, Trial, UsageRecord, UsageSummary
from licensing.pricing import term_end
from licensing.signals import license_started
from sales.demo.base import term_ending_on
from sales.models import Quote, QuoteLine, QuoteNumberSequence
from tests.sales.demo_support import (
    assert_demo_logins_work,
    assert_every_row_is_within_the_bounds,
    counts,
    seed,
)

pytestmark = pytest.mark.django_db


def test_the_demo_is_built_through_the_services_and_sends_their_signals(
    django_capture_on_commit_callbacks,
):
    kinds = Counter()

    def count(license, kind, **kwargs):
        kinds[kind] += 1

    license_started.connect(count)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            seed()
    finally:
        license_started.disconnect(count)
    assert set(kinds) == {"new", "trial_conversion", "renewal"}
    assert kinds.total() == License.objects.count()
    # Every accepted quote made its license; every sent one got a number, in the order sent.
    for line in QuoteLine.objects.filter(quote__status=Quote.Status.ACCEPTED):
        assert line.license_id is not None
    sent = Quote.objects.exclude(number="").filter(revision=1).order_by("sent_at", "number")
    numbers = [quote.number for quote in sent]
    assert numbers == sorted(numbers, key=lambda number: (number[2:6], number))
    assert Activity.objects.filter(kind=Activity.Kind.QUOTE).count() >= Quote.objects.count()


def test_seed_demo_scale_200_makes_200_companies_with_licenses_and_quotes():
    output = seed("--scale", "200")
    assert "Demo logins" in output
    assert_demo_logins_work()
    assert Company.objects.count() == 200
    assert 400 <= Contact.objects.count() <= 1000
    assert License.objects.count() >= 80 and Trial.objects.count() >= 30
    assert SeatChange.objects.count() >= 10
    assert Quote.objects.count() >= 150
    assert not Quote.objects.filter(lines=None).exists()
    assert set(Quote.objects.values_list("status", flat=True)) >= {"draft", "sent", "accepted"}


def test_scaled_data_keeps_the_rules_of_the_services():
    seed("--scale", "200")
    assert_every_row_is_within_the_bounds()
    for license in License.objects.select_related("product"):
        license.full_clean()
        assert license.seats % license.product.seat_block_size == 0
        added = license.seat_changes.aggregate(total=Sum("delta"))["total"] or 0
        sold = license.quote_lines.get(
            quote__kind__in=[Quote.Kind.NEW, Quote.Kind.TRIAL_CONVERSION]
        )
        assert license.seats == sold.billed_seats + added
    for quote in Quote.objects.annotate(lines_total=Sum("lines__line_total")):
        assert quote.subtotal == quote.lines_total
        assert quote.total == quote.subtotal - quote.discount_amount + quote.tax_amount
        assert quote.is_draft == (quote.number == "")
    # Numbers are unique and gapless within a year, and the sequence continues after them.
    for sequence in QuoteNumberSequence.objects.all():
        numbers = sorted(
            Quote.objects.filter(number__startswith=f"Q-{sequence.year}-").values_list(
                "number", flat=True
            )
        )
        assert numbers == [f"Q-{sequence.year}-{n:05d}" for n in range(1, sequence.last_number + 1)]


def test_seed_demo_scale_twice_adds_nothing_the_second_time():
    seed("--scale", "20")
    before = counts()
    seed("--scale", "20")
    assert counts() == before


def test_a_demo_term_can_end_on_any_day_even_28_february_of_a_leap_year():
    for ends_on in (timezone.localdate(), date(2028, 2, 28), date(2027, 2, 28), date(2026, 12, 31)):
        starts_on, months = term_ending_on(ends_on, 12)
        assert term_end(starts_on, months) == ends_on and months in (11, 12)


def test_seed_demo_scale_adds_usage_in_bulk_with_its_summaries():
    seed("--scale", "50")

    today = timezone.localdate()
    in_force = set(License.objects.active(today).values_list("pk", flat=True))
    assert in_force and in_force <= set(
        UsageRecord.objects.filter(day=today).values_list("license", flat=True)
    )
    assert set(UsageSummary.objects.values_list("pk", flat=True)) >= in_force
    assert UsageSummary.objects.filter(day=today).count() >= len(in_force)
