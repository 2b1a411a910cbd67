from django.urls import reverse

from onboarding.models import ChecklistTemplate
from tests.onboarding.factories import ChecklistTemplateFactory, OnboardingFactory, TaskFactory


def test_administrators_edit_templates_with_their_ordered_tasks(client, admin):
    template = ChecklistTemplateFactory(name="Default")
    client.force_login(admin)

    page = client.get(reverse("admin:onboarding_checklisttemplate_change", args=[template.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("Set up single sign-on") < html.index("Train the first users")

    response = client.post(
        reverse("admin:onboarding_checklisttemplate_add"),
        {
            "name": "Docs product",
            "is_default": "",
            "go_live_after_days": "20",
            "tasks-TOTAL_FORMS": "1",
            "tasks-INITIAL_FORMS": "0",
            "tasks-0-position": "1",
            "tasks-0-title": "Connect the wiki",
            "tasks-0-category": "implementation",
            "tasks-0-due_after_days": "5",
            "tasks-0-owner_role": "Support",
        },
    )
    # Neither default nor for a product: refused with the constraint's message.
    assert response.status_code == 200
    assert "either the default or for one product" in response.content.decode()
    assert not ChecklistTemplate.objects.filter(name="Docs product").exists()


def test_the_admin_lists_onboardings_and_tasks(client, admin):
    task = TaskFactory(onboarding=OnboardingFactory())
    client.force_login(admin)

    for url in [
        reverse("admin:onboarding_onboarding_changelist"),
        reverse("admin:onboarding_onboarding_change", args=[task.onboarding_id]),
        reverse("admin:onboarding_task_changelist"),
        reverse("admin:onboarding_task_change", args=[task.pk]),
    ]:
        assert client.get(url).status_code == 200, url
