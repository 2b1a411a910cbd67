from datetime import date, timedelta

import factory

from onboarding.models import Category, ChecklistTemplate, Onboarding, Task, TemplateTask
from tests.licensing.factories import LicenseFactory

# One task per category, so every rule about categories has something to act on.
DEFAULT_TASKS = [
    ("Set up single sign-on", Category.CONFIGURATION, 3),
    ("Import the user list", Category.IMPLEMENTATION, 7),
    ("Write the admin guide", Category.DOCUMENTATION, 14),
    ("Train the first users", Category.USER_EDUCATION, 21),
]


class ChecklistTemplateFactory(factory.django.DjangoModelFactory):
    """A template with tasks=[(title, category, due_after_days), ...] (DEFAULT_TASKS if not given)."""

    class Meta:
        model = ChecklistTemplate
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Checklist {n}")
    is_default = factory.LazyAttribute(lambda template: template.product is None)
    product = None

    @factory.post_generation
    def tasks(template, create, extracted, **kwargs):
        for position, (title, category, days) in enumerate(extracted or DEFAULT_TASKS):
            TemplateTask.objects.create(
                template=template,
                position=position,
                title=title,
                category=category,
                due_after_days=days,
            )


class OnboardingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Onboarding

    license = factory.SubFactory(LicenseFactory)
    company = factory.SelfAttribute("license.company")
    starts_on = factory.SelfAttribute("license.starts_on")
    target_live_on = factory.LazyAttribute(lambda onboarding: onboarding.starts_on + timedelta(30))


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    onboarding = factory.SubFactory(OnboardingFactory)
    title = factory.Sequence(lambda n: f"Task {n}")
    category = Category.CONFIGURATION
    due_on = date(2026, 12, 1)
