from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from onboarding.models import Category, ChecklistTemplate, Onboarding, Task
from tests.licensing.factories import LicenseFactory, ProductFactory


def test_seeding_makes_templates_and_onboardings_in_every_state_once(support, account_manager):
    today = timezone.localdate()
    products = [ProductFactory(), ProductFactory()]
    for number in range(6):
        starts_on = today - timedelta(days=2 * number)
        LicenseFactory(
            product=products[number % 2],
            company__owner=account_manager,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=364),
        )

    call_command("seed_onboarding")
    call_command("seed_onboarding")

    default = ChecklistTemplate.objects.get(is_default=True)
    assert set(default.tasks.values_list("category", flat=True)) == set(Category.values)
    assert ChecklistTemplate.objects.filter(product__isnull=False).count() == 1
    assert Onboarding.objects.count() == 6
    assert set(Onboarding.objects.values_list("status", flat=True)) == set(Onboarding.Status.values)
    assert Task.objects.filter(status=Task.Status.BLOCKED).exclude(blocked_reason="").exists()
    assert Task.objects.overdue(today).exists()
    live = Onboarding.objects.get(status=Onboarding.Status.LIVE)
    assert live.license.live_on == live.live_on
