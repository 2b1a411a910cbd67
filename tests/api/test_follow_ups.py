"""Notes, calls, meetings and follow-ups over the API: the same services and roles as the
company page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Activity, FollowUp, Interaction

pytestmark = pytest.mark.django_db


def test_an_account_manager_logs_a_call_and_plans_a_follow_up_on_their_company(
    as_account_manager, account_manager, company
):
    logged = as_account_manager.post(
        "/api/v1/interactions/",
        {"company": company.pk, "kind": "call", "summary": "Budget approved."},
        format="json",
    )
    assert logged.status_code == 201, logged.json()
    assert logged.json()["author"] == account_manager.pk

    due_on = (timezone.localdate() + timedelta(days=3)).isoformat()
    planned = as_account_manager.post(
        "/api/v1/follow-ups/",
        {"company": company.pk, "title": "Send the quote", "due_on": due_on,
         "assignee": account_manager.pk},
        format="json",
    )  # fmt: skip
    assert planned.status_code == 201, planned.json()
    assert Interaction.objects.get().summary == "Budget approved."
    assert FollowUp.objects.get().due_on.isoformat() == due_on


def test_a_past_due_date_is_a_400_on_its_field_and_nothing_is_written(
    as_account_manager, account_manager, company
):
    response = as_account_manager.post(
        "/api/v1/follow-ups/",
        {"company": company.pk, "title": "Late", "due_on": "2020-01-01",
         "assignee": account_manager.pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {"due_on": ["A follow-up falls due today or later."]}
    assert not FollowUp.objects.exists()


def test_another_account_manager_may_not_log_on_the_company(
    api_client, other_account_manager, company
):
    response = api_client(other_account_manager).post(
        "/api/v1/interactions/", {"company": company.pk, "summary": "Hi"}, format="json"
    )
    assert response.status_code == 403
    assert not Interaction.objects.exists()


def test_completing_through_the_api_twice_completes_once_and_finance_may_not_read_them(
    as_account_manager, api_client, finance, account_manager, company
):
    follow_up = FollowUp.objects.create(company=company, title="Call", due_on=timezone.localdate(),
                                        assignee=account_manager, created_by=account_manager)  # fmt: skip
    url = f"/api/v1/follow-ups/{follow_up.pk}/complete/"
    first = as_account_manager.post(url)
    second = as_account_manager.post(url)

    assert first.status_code == second.status_code == 200
    assert first.json()["completed_at"] == second.json()["completed_at"] is not None
    assert Activity.objects.filter(message__startswith="Follow-up done").count() == 1
    assert api_client(finance).get("/api/v1/follow-ups/").status_code == 403
    assert api_client(finance).post(url).status_code == 404
