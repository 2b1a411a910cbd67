from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import Activity, Company, Contact
from accounts.roles import Role, roles_of
from licensing.models import License, PriceTier, Product, SeatChange, Trial
from licensing.pricing import term_end
from licensing.signals import license_started
from sales.demo.base import term_ending_on
from sales.models import Quote, QuoteLine, QuoteNumberSequence

pytestmark = pytest.mark.django_db

MODELS = (
    Company,
    Contact,
    Activity,
    Product,
    PriceTier,
    Trial,
    License,
    SeatChange,
    Quote,
    QuoteLine,
    QuoteNumberSequence,
)


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def days_from_today(queryset) -> set[int]:
    today = timezone.localdate()
    return {(ends_on - today).days for ends_on in queryset.values_list("ends_on", flat=True)}


def assert_demo_logins_work():
    expected = {
        "am": Role.ACCOUNT_MANAGER,
        "am2": Role.ACCOUNT_MANAGER,
        "support": Role.SUPPORT,
        "finance": Role.FINANCE,
        "admin": Role.ADMINISTRATOR,
    }
    for username, role in expected.items():
        user = authenticate(username=username, password="demo")
        assert user is not None, username
        assert roles_of(user) == {role}, username
    admin = authenticate(username="admin", password="demo")
    assert admin.is_superuser and admin.is_staff
    assert admin.groups.filter(name=Role.ADMINISTRATOR).exists()


def test_seed_demo_makes_a_login_per_role_and_prints_them():
    output = seed()
    assert_demo_logins_work()
    for username in ("am", "am2", "support", "finance", "admin"):
        assert f"  {username} " in output


def test_the_demo_has_about_forty_companies_with_contacts_headcount_and_targets():
    seed()
    companies = Company.objects.annotate(contact_count=Count("contacts"))
    assert 38 <= companies.count() <= 45
    assert len({company.industry for company in companies}) >= 8
    assert len({company.country for company in companies}) >= 15
    for company in companies:
        assert 2 <= company.contact_count <= 5, company
        assert company.employee_count and company.target_seats <= company.employee_count
        assert company.contacts.filter(is_primary=True, is_decision_maker=True).count() == 1
    assert Contact.objects.filter(is_billing_contact=True).exists()
    assert Contact.objects.filter(is_champion=True).exists()
    assert Contact.objects.filter(accepts_reminders=False).exists()
    assert set(Company.objects.values_list("owner__username", flat=True)) == {"am", "am2"}


def test_the_demo_has_every_trial_license_and_quote_state_and_kind():
    seed()
    products = Product.objects.annotate(tier_count=Count("price_tiers"))
    assert {product.seat_block_size for product in products} == {5, 10}
    assert {product.billing_period for product in products} == {"month", "year"}
    assert all(2 <= product.tier_count <= 3 for product in products)
    assert set(Trial.objects.values_list("status", flat=True)) == set(Trial.Status.values)
    assert set(License.objects.values_list("status", flat=True)) == set(License.Status.values)
    assert set(Quote.objects.values_list("status", flat=True)) == set(Quote.Status.values)
    assert set(Quote.objects.values_list("kind", flat=True)) == set(Quote.Kind.values)
    assert Quote.objects.awaiting_approval().count() >= 1
    assert SeatChange.objects.count() >= 3
    assert Trial.objects.filter(times_extended__gt=0).exists()


def test_trial_and_renewal_reminders_fall_due_today_and_in_the_next_days():
    seed()
    assert {0, 1, 3, 7} <= days_from_today(Trial.objects.active())
    assert {90, 91, 60, 62, 30, 31, 7, 8} <= days_from_today(License.objects.active())


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


def test_running_seed_demo_twice_changes_no_counts():
    seed()
    before = counts()
    output = seed()
    assert counts() == before
    assert "nothing changed" in output
    assert_demo_logins_work()


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
