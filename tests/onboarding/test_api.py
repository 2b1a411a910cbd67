import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from licensing.models import License
from onboarding.models import Category, Onboarding, Task
from tests.onboarding.factories import OnboardingFactory, TaskFactory


@pytest.fixture
def onboarding(support):
    onboarding = OnboardingFactory(owner=support)
    TaskFactory(onboarding=onboarding, title="SSO", category=Category.CONFIGURATION)
    TaskFactory(onboarding=onboarding, title="Rollout", category=Category.IMPLEMENTATION)
    return onboarding


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_requires_authentication(onboarding):
    assert APIClient().get("/api/v1/onboardings/").status_code in (401, 403)


@pytest.mark.parametrize(
    ("role", "listing", "reading", "writing"),
    [
        ("support", 200, 200, 200),
        ("admin", 200, 200, 200),
        ("account_manager", 200, 200, 403),
        # Finance sees none of it: the list is refused and no task exists for it.
        ("finance", 403, 404, 404),
    ],
)
def test_who_reads_and_changes_onboardings_through_the_api(
    request, onboarding, role, listing, reading, writing
):
    client = api_as(request.getfixturevalue(role))
    task = onboarding.tasks.first()

    assert client.get("/api/v1/onboardings/").status_code == listing
    assert client.get(f"/api/v1/onboarding-tasks/{task.pk}/").status_code == reading
    response = client.post(f"/api/v1/onboarding-tasks/{task.pk}/status/", {"status": "doing"})
    assert response.status_code == writing


def test_onboardings_come_with_progress_per_category(support, onboarding):
    Task.objects.filter(title="SSO").update(status="done", done_at="2026-01-02T10:00:00Z")

    body = api_as(support).get(f"/api/v1/onboardings/{onboarding.pk}/").json()

    assert body["tasks_done"] == 1 and body["tasks_total"] == 2
    progress = {row["category"]: (row["done"], row["total"]) for row in body["progress"]}
    assert progress["configuration"] == (1, 1)
    assert progress["implementation"] == (0, 1)
    assert progress["user_education"] == (0, 0)


def test_changing_status_goes_through_the_service(support, onboarding):
    client = api_as(support)
    task = onboarding.tasks.get(title="Rollout")

    response = client.post(f"/api/v1/onboarding-tasks/{task.pk}/status/", {"status": "blocked"})
    assert response.status_code == 400
    assert response.json() == {"reason": ["Say why the task is blocked."]}

    response = client.post(
        f"/api/v1/onboarding-tasks/{task.pk}/status/", {"status": "done"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert response.json()["done_by"] == support.pk
    assert Onboarding.objects.get().status == Onboarding.Status.IN_PROGRESS


def test_adding_editing_and_assigning_tasks(support, finance, onboarding):
    client = api_as(support)

    response = client.post(
        "/api/v1/onboarding-tasks/",
        {"onboarding": onboarding.pk, "title": "Record a video", "category": "user_education"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    task_id = response.json()["id"]

    response = client.patch(
        f"/api/v1/onboarding-tasks/{task_id}/", {"due_on": "2026-12-24"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["title"] == "Record a video"
    assert response.json()["due_on"] == "2026-12-24"

    response = client.post(
        f"/api/v1/onboarding-tasks/{task_id}/assign/", {"assignee": finance.pk}, format="json"
    )
    assert response.status_code == 400
    response = client.post(
        f"/api/v1/onboarding-tasks/{task_id}/assign/", {"assignee": support.pk}, format="json"
    )
    assert response.json()["assignee"] == support.pk


def test_marking_live_through_the_api_follows_the_go_live_rule(support, onboarding):
    client = api_as(support)
    url = f"/api/v1/onboardings/{onboarding.pk}/mark-live/"

    response = client.post(url, {}, format="json")
    assert response.status_code == 400
    assert "cannot go live yet" in response.json()["non_field_errors"][0]

    Task.objects.update(status="done", done_at="2026-01-02T10:00:00Z")
    response = client.post(url, {"live_on": "2026-02-01"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "live"
    assert str(License.objects.get().live_on) == "2026-02-01"


def test_tasks_cannot_be_deleted_through_the_api(support, onboarding):
    task = onboarding.tasks.first()

    assert api_as(support).delete(f"/api/v1/onboarding-tasks/{task.pk}/").status_code == 405


def test_listing_onboardings_keeps_a_constant_number_of_queries(
    support, django_assert_max_num_queries
):
    for _ in range(30):
        TaskFactory(onboarding=OnboardingFactory(owner=support))
    client = api_as(support)

    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/onboardings/")

    assert response.json()["count"] == 30


def test_a_task_given_to_nobody_through_the_api_leaves_the_onboarding_page_working(
    client, support, onboarding
):
    response = api_as(support).post(
        "/api/v1/onboarding-tasks/",
        {
            "onboarding": onboarding.pk,
            "title": "Nobody's",
            "category": "configuration",
            "assignee": None,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    client.force_login(support)

    assert client.get(reverse("onboarding_detail", args=[onboarding.pk])).status_code == 200
