"""Onboarding tasks and templates within accounts.limits: service, form, API and admin."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import limits
from onboarding import services
from onboarding.models import Category, Task
from tests.onboarding.factories import OnboardingFactory, TaskFactory

pytestmark = pytest.mark.django_db

TOO_LONG_NOTES = "x" * (limits.TEXT_NOTES + 1)


@pytest.fixture
def onboarding(support):
    return OnboardingFactory(owner=support)


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"notes": TOO_LONG_NOTES}, "notes"),
        ({"description": TOO_LONG_NOTES}, "description"),
        ({"title": "x" * (limits.TEXT_NAME + 1)}, "title"),
        ({"title": "Call\r\nthem"}, "title"),
        ({"due_on": "9999-12-31"}, "due_on"),
    ],
)
def test_task_fields_beyond_their_bounds_are_refused_on_every_path(
    client, support, onboarding, fields, field
):
    data = {"title": "Call them", "category": Category.CONFIGURATION, **fields}
    with pytest.raises(ValidationError) as refusal:
        services.add_task(onboarding=onboarding, actor=support, **data)
    assert field in refusal.value.message_dict
    response = api_as(support).post(
        "/api/v1/onboarding-tasks/", {"onboarding": onboarding.pk, **data}, format="json"
    )
    assert response.status_code == 400 and field in response.json()
    client.force_login(support)
    response = client.post(
        reverse("onboarding_task_add", args=[onboarding.pk]),
        {f"new-{name}": value for name, value in data.items()},
    )
    assert response.status_code in (200, 400)
    assert not Task.objects.exists()


def test_a_blocked_reason_longer_than_the_limit_is_refused(support, onboarding):
    task = TaskFactory(onboarding=onboarding)
    reason = "x" * (limits.TEXT_REASON + 1)
    with pytest.raises(ValidationError) as refusal:
        services.change_task_status(task=task, status="blocked", reason=reason, actor=support)
    assert "reason" in refusal.value.message_dict
    response = api_as(support).post(
        f"/api/v1/onboarding-tasks/{task.pk}/status/", {"status": "blocked", "reason": reason}
    )
    assert response.status_code == 400 and "reason" in response.json()
    task.refresh_from_db()
    assert task.status == Task.Status.TODO
    services.change_task_status(task=task, status="blocked", reason="x" * 1000, actor=support)


def test_a_go_live_date_outside_the_window_is_a_400(support, onboarding):
    response = api_as(support).post(
        f"/api/v1/onboardings/{onboarding.pk}/mark-live/", {"live_on": "9999-12-31"}
    )
    assert response.status_code == 400 and "live_on" in response.json()


def test_a_template_task_due_beyond_a_year_is_refused_in_the_admin(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("admin:onboarding_checklisttemplate_add"),
        {
            "name": "Default",
            "is_default": "on",
            "go_live_after_days": "32767",
            "tasks-TOTAL_FORMS": "1",
            "tasks-INITIAL_FORMS": "0",
            "tasks-0-title": "Kick-off",
            "tasks-0-category": "configuration",
            "tasks-0-due_after_days": "١٠",
            "tasks-0-owner_role": "support",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "At most 365 days." in page and "Enter a number in the digits 0-9." in page
