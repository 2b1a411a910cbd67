from datetime import timedelta
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from licensing.services import create_license
from onboarding.models import Category, ChecklistTemplate, Onboarding, Task
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import ProductFactory
from tests.sales.demo_support import assert_every_row_is_within_the_bounds


def test_seeding_gives_the_demo_licenses_checklists_in_every_state_once(
    support, account_manager, django_capture_on_commit_callbacks
):
    # As seed_demo does: licenses first (the signal starts template-less onboardings).
    today = timezone.localdate()
    products = [ProductFactory(), ProductFactory()]
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(6):
            starts_on = today - timedelta(days=2 * number)
            create_license(
                company=CompanyFactory(owner=account_manager),
                product=products[number % 2],
                seats=10,
                unit_price=Decimal("40.00"),
                starts_on=starts_on,
                ends_on=starts_on + timedelta(days=364),
                actor=account_manager,
            )
    assert not Task.objects.exists()

    call_command("seed_onboarding")
    call_command("seed_onboarding")

    default = ChecklistTemplate.objects.get(is_default=True)
    assert set(default.tasks.values_list("category", flat=True)) == set(Category.values)
    assert ChecklistTemplate.objects.filter(product__isnull=False).count() == 1
    assert Onboarding.objects.count() == 6
    assert not Onboarding.objects.filter(template=None).exists()
    assert set(Onboarding.objects.values_list("status", flat=True)) == set(Onboarding.Status.values)
    assert Task.objects.filter(status=Task.Status.BLOCKED).exclude(blocked_reason="").exists()
    assert Task.objects.overdue(today).exists()
    live = Onboarding.objects.get(status=Onboarding.Status.LIVE)
    assert live.license.live_on == live.live_on
    assert Task.objects.count() == 3 * 10 + 3 * 11  # the product template has one more task
    assert_every_row_is_within_the_bounds()
