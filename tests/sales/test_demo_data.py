import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import Company, Contact
from licensing.models import License, Product, SeatChange, Trial, UsageRecord
from sales import metrics
from sales.models import Quote
from tests.sales.demo_support import (
    assert_demo_logins_work,
    assert_every_row_is_within_the_bounds,
    counts,
    days_from_today,
    seed,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo seeded once for the module (seeding renders every sent quote's PDF), rolled
    back at the end; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


def test_seed_demo_makes_a_login_per_role_and_prints_them(demo):
    output = demo
    assert_demo_logins_work()
    for username in ("am", "am2", "support", "finance", "admin"):
        assert f"  {username} " in output


def test_the_demo_has_about_forty_companies_with_contacts_headcount_and_targets(demo):
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


def test_the_demo_has_every_trial_license_and_quote_state_and_kind(demo):
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


def test_trial_and_renewal_reminders_fall_due_today_and_in_the_next_days(demo):
    assert {0, 1, 3, 7} <= days_from_today(Trial.objects.active())
    assert {90, 91, 60, 62, 30, 31, 7, 8} <= days_from_today(License.objects.active())


def test_running_seed_demo_twice_changes_no_counts(demo):
    before = counts()
    output = seed()
    assert counts() == before
    assert "nothing changed" in output
    assert_demo_logins_work()


def test_every_demo_row_is_within_the_bounds(demo):
    assert_every_row_is_within_the_bounds()


def test_every_license_in_force_has_90_days_of_usage_and_every_usage_list_has_rows(demo):
    today = timezone.localdate()
    in_force = License.objects.active(today)
    reported = UsageRecord.objects.filter(day=today).values_list("license", flat=True)
    assert set(in_force.values_list("pk", flat=True)) <= set(reported)
    full = [license for license in in_force if (today - license.starts_on).days >= 89]
    assert full and all(license.usage_records.count() == 90 for license in full)
    scope = metrics.Scope(start=today.replace(month=1, day=1), end=today, today=today)
    assert all(ranking.total for ranking in metrics.usage_rankings(scope)["usage_rankings"])


def test_the_demo_companies_have_billing_details_and_new_sales_a_purchase_order(demo):
    """What finance prints: every company's billing address, a VAT number for those in
    Europe, and the customer's purchase-order reference on the quotes of new terms."""
    companies = Company.objects.all()
    assert all(company.billing_address for company in companies)
    european = companies.filter(country__in=["DE", "FR", "GR", "CH"])
    assert european and all(
        company.vat_number[:2] in {"DE", "FR", "EL", "CH"} for company in european
    )
    assert not companies.filter(country__in=["US", "JP"]).exclude(vat_number="").exists()
    new_sales = Quote.objects.filter(kind=Quote.Kind.NEW, status=Quote.Status.ACCEPTED).exclude(
        company__name="Tallinn Cloudworks"  # a prospect's quote, accepted before any order
    )
    assert new_sales and all(quote.po_reference.startswith("PO-") for quote in new_sales)
