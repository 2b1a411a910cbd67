"""Notes, calls, meetings and follow-ups over the API: the same services and roles as the
company page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Activity, FollowUp, Interaction, describe_subject
from accounts.services import log_activity
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.sales.factories import make_quote

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


# What a note or follow-up is about


def test_a_note_about_a_trial_reads_back_with_its_type_id_and_label(
    as_account_manager, company, trial
):
    logged = as_account_manager.post(
        "/api/v1/interactions/",
        {"company": company.pk, "summary": "Pilot going well.",
         "subject": {"type": "trial", "id": trial.pk}},
        format="json",
    )  # fmt: skip
    assert logged.status_code == 201, logged.json()
    expected = {"type": "trial", "id": trial.pk, "label": describe_subject(trial)}
    assert logged.json()["subject"] == expected
    assert Interaction.objects.get().subject == trial
    listed = as_account_manager.get("/api/v1/interactions/").json()["results"]
    assert listed[0]["subject"] == expected


def test_a_follow_up_about_a_quote_and_one_about_nothing(
    as_account_manager, account_manager, company, product
):
    quote = make_quote(company=company, product=product)
    fields = {"company": company.pk, "title": "Chase the signature",
              "due_on": timezone.localdate().isoformat(), "assignee": account_manager.pk}  # fmt: skip
    about_quote = as_account_manager.post(
        "/api/v1/follow-ups/", {**fields, "subject": {"type": "quote", "id": quote.pk}},
        format="json",
    )  # fmt: skip
    about_nothing = as_account_manager.post(
        "/api/v1/follow-ups/", {**fields, "subject": None}, format="json"
    )
    assert about_quote.status_code == about_nothing.status_code == 201
    assert about_quote.json()["subject"]["label"] == f"Quote {quote.reference}"
    assert about_nothing.json()["subject"] is None


@pytest.mark.parametrize(
    ("subject", "field_errors"),
    [
        ({"type": "contact", "id": 1}, {"type": ['"contact" is not a valid choice.']}),
        ({"type": "trial"}, {"id": ["This field is required."]}),
        ({"type": "trial", "id": "x"}, {"id": ["A valid integer is required."]}),
        ("trial:1", {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}),
    ],
)
def test_a_malformed_subject_is_a_400_on_its_fields(
    as_account_manager, company, subject, field_errors
):
    response = as_account_manager.post(
        "/api/v1/interactions/",
        {"company": company.pk, "summary": "Hi", "subject": subject},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"subject": field_errors}
    assert not Interaction.objects.exists()


def test_a_trial_of_another_company_is_a_400_as_if_it_did_not_exist(
    as_account_manager, account_manager, company, product
):
    elsewhere = TrialFactory(company=CompanyFactory(owner=account_manager), product=product)
    response = as_account_manager.post(
        "/api/v1/interactions/",
        {"company": company.pk, "summary": "Hi",
         "subject": {"type": "trial", "id": elsewhere.pk}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    message = f'Invalid id "{elsewhere.pk}": no trial of this company.'
    assert response.json() == {"subject": [message]}
    assert not Interaction.objects.exists()


def test_with_own_visibility_a_colleagues_trial_is_a_400_that_tells_nothing(
    settings, api_client, other_account_manager, company, trial
):
    settings.ACCOUNT_MANAGER_VISIBILITY = "own"
    response = api_client(other_account_manager).post(
        "/api/v1/interactions/",
        {"company": company.pk, "summary": "Hi", "subject": {"type": "trial", "id": trial.pk}},
        format="json",
    )
    assert response.status_code == 400
    assert str(trial.product) not in response.content.decode()
    assert not Interaction.objects.exists()


def test_listing_notes_about_many_subjects_takes_constant_queries(
    as_account_manager, account_manager, company, product, django_assert_max_num_queries
):
    def add_rows():
        for subject in (TrialFactory(company=company, product=product),
                        LicenseFactory(company=company, product=ProductFactory()),
                        make_quote(company=company, product=product)):  # fmt: skip
            log_activity(company=company, kind="note", summary="x", subject=subject,
                         actor=account_manager)  # fmt: skip

    add_rows()
    with django_assert_max_num_queries(50) as few:
        as_account_manager.get("/api/v1/interactions/")
    for _ in range(4):
        add_rows()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = as_account_manager.get("/api/v1/interactions/")
    assert {row["subject"]["type"] for row in response.json()["results"]} == {
        "trial", "license", "quote",
    }  # fmt: skip
