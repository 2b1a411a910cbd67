"""Notes, calls, meetings and follow-ups: the services' rules, the company page's forms
(htmx and not), one-click completion, and the timeline's names and order."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import limits
from accounts.models import Activity, FollowUp, Interaction
from accounts.services import archive_company, complete_follow_up, create_follow_up, log_activity
from tests.accounts.factories import CompanyFactory, ContactFactory
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db


def plan(company, actor, **fields):
    fields.setdefault("title", "Call back about the rollout")
    fields.setdefault("due_on", timezone.localdate() + timedelta(days=2))
    fields.setdefault("assignee", actor)
    return create_follow_up(company=company, actor=actor, **fields)


# log_activity


def test_logging_a_call_with_a_contact_about_a_trial_keeps_who_when_and_what(
    account_manager, company, product
):
    trial = TrialFactory(company=company, product=product)
    contact = company.contacts.get()
    when = timezone.now() - timedelta(hours=3)

    call = log_activity(
        company=company,
        kind=Interaction.Kind.CALL,
        summary="  Wants 40 more seats in March.  ",
        occurred_at=when,
        contact=contact,
        subject=trial,
        actor=account_manager,
    )

    call.refresh_from_db()
    assert (call.kind, call.summary, call.occurred_at, call.contact, call.subject) == (
        "call", "Wants 40 more seats in March.", when, contact, trial
    )  # fmt: skip
    assert call.author == account_manager


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"summary": "   "}, "summary"),
        ({"summary": "x" * (limits.TEXT_NOTES + 1)}, "summary"),
        ({"kind": "lunch"}, "kind"),
        ({"occurred_at": timezone.now() + timedelta(days=1)}, "occurred_at"),
        ({"occurred_at": timezone.now() - timedelta(days=400)}, "occurred_at"),
    ],
)
def test_a_bad_note_is_refused_on_its_field_and_nothing_is_written(
    account_manager, company, changes, field
):
    values = {"kind": "note", "summary": "Met at the fair.", **changes}
    with pytest.raises(ValidationError) as refused:
        log_activity(company=company, actor=account_manager, **values)
    assert field in refused.value.message_dict
    assert not Interaction.objects.exists()


def test_a_contact_or_a_subject_of_another_company_is_refused(account_manager, company, product):
    other = CompanyFactory(owner=account_manager)
    with pytest.raises(ValidationError) as refused:
        log_activity(
            company=company,
            kind="note",
            summary="Hello",
            contact=ContactFactory(company=other),
            actor=account_manager,
        )
    assert "contact" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        plan(company, account_manager, subject=LicenseFactory(company=other, product=product))
    assert "subject" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        plan(company, account_manager, subject=product)  # not a trial, license or quote
    assert "subject" in refused.value.message_dict
    assert not Interaction.objects.exists() and not FollowUp.objects.exists()


# create_follow_up and complete_follow_up


def test_a_follow_up_for_a_colleague_is_theirs_and_on_the_timeline(
    account_manager, other_account_manager, company, product
):
    quote = make_quote(company=company, product=product)
    follow_up = plan(company, account_manager, assignee=other_account_manager, subject=quote)

    assert follow_up.assignee == other_account_manager and follow_up.subject == quote
    activity = company.activities.filter(kind=Activity.Kind.FOLLOW_UP).get()
    assert activity.message.startswith(
        f"Follow-up planned for {other_account_manager.get_full_name()}"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * (limits.TEXT_NAME + 1)}, "title"),
        ({"title": "two\nlines"}, "title"),
        ({"due_on": None}, "due_on"),
        ({"due_on": timezone.localdate() - timedelta(days=1)}, "due_on"),
        (
            {"due_on": timezone.localdate() + timedelta(days=limits.MAX_FOLLOW_UP_DAYS + 1)},
            "due_on",
        ),
    ],
)
def test_a_bad_follow_up_is_refused_on_its_field_and_nothing_is_written(
    account_manager, company, changes, field
):
    with pytest.raises(ValidationError) as refused:
        plan(company, account_manager, **changes)
    assert field in refused.value.message_dict
    assert not FollowUp.objects.exists() and not company.activities.exists()


def test_a_follow_up_goes_only_to_an_account_manager_or_an_administrator(
    account_manager, support, company
):
    with pytest.raises(ValidationError) as refused:
        plan(company, account_manager, assignee=support)
    assert "assignee" in refused.value.message_dict


def test_completing_a_follow_up_twice_completes_it_once(
    account_manager, other_account_manager, company
):
    follow_up = plan(company, account_manager)
    first = complete_follow_up(follow_up=follow_up, actor=account_manager)
    done_at = first.completed_at
    again = complete_follow_up(
        follow_up=FollowUp.objects.get(pk=follow_up.pk), actor=other_account_manager
    )

    assert again.completed_at == done_at and again.completed_by == account_manager
    assert company.activities.filter(message__startswith="Follow-up done").count() == 1


# The company page


@pytest.fixture
def signed_in(client, account_manager):
    client.force_login(account_manager)
    return client


def test_logging_a_call_from_the_company_page_with_htmx_refreshes_the_timeline(signed_in, company):
    response = signed_in.post(
        reverse("interaction_create", args=[company.pk]),
        {
            "interaction-kind": "call",
            "interaction-occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "interaction-summary": "Budget approved for Q2.",
        },
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="timeline"' in page and 'hx-swap-oob="true"' in page
    assert "Budget approved for Q2." in page
    assert Interaction.objects.get().kind == "call"


def test_a_bad_follow_up_comes_back_with_the_error_next_to_its_field(signed_in, company):
    response = signed_in.post(
        reverse("follow_up_create", args=[company.pk]),
        {"follow_up-title": "Send the proposal", "follow_up-due_on": "2001-01-01",
         "follow_up-assignee": company.owner_id},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    page = response.content.decode()
    assert "A follow-up falls due today or later." in page
    assert 'id="id_follow_up-due_on-errors"' in page
    assert not FollowUp.objects.exists()


def test_without_htmx_a_bad_note_shows_the_company_page_with_the_error(signed_in, company):
    response = signed_in.post(
        reverse("interaction_create", args=[company.pk]),
        {"interaction-kind": "note", "interaction-occurred_at": "2999-01-01T10:00",
         "interaction-summary": "x"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "That is in the future" in response.content.decode()


def test_a_follow_up_planned_without_htmx_returns_to_the_company(signed_in, company):
    due_on = timezone.localdate() + timedelta(days=3)
    response = signed_in.post(
        reverse("follow_up_create", args=[company.pk]),
        {"follow_up-title": "Send the proposal", "follow_up-due_on": due_on.isoformat(),
         "follow_up-assignee": company.owner_id},
    )  # fmt: skip
    assert response.status_code == 302
    assert FollowUp.objects.get().due_on == due_on


def test_done_with_htmx_answers_the_row_marked_done_and_a_second_click_changes_nothing(
    signed_in, account_manager, company
):
    follow_up = plan(company, account_manager)
    url = reverse("follow_up_complete", args=[follow_up.pk])
    first = signed_in.post(url, HTTP_HX_REQUEST="true")
    second = signed_in.post(url, HTTP_HX_REQUEST="true")

    assert first.status_code == second.status_code == 200
    assert "Done</span>" in second.content.decode()
    assert company.activities.filter(message__startswith="Follow-up done").count() == 1


def test_another_account_manager_may_complete_only_what_is_assigned_to_them(
    client, account_manager, other_account_manager, company
):
    theirs = plan(company, account_manager, assignee=other_account_manager)
    mine = plan(company, account_manager)
    client.force_login(other_account_manager)

    assert client.post(reverse("follow_up_complete", args=[mine.pk])).status_code == 403
    assert client.post(reverse("follow_up_complete", args=[theirs.pk])).status_code == 302
    assert FollowUp.objects.get(pk=theirs.pk).is_done
    assert not FollowUp.objects.get(pk=mine.pk).is_done


def test_the_timeline_merges_notes_and_recorded_events_newest_first_in_constant_queries(
    signed_in, account_manager, company, product, django_assert_max_num_queries
):
    def add_rows():
        trial = TrialFactory(company=company, product=product)
        license = LicenseFactory(company=company, product=product)
        quote = make_quote(company=company, product=ProductFactory())
        for subject in (trial, license, quote):
            log_activity(company=company, kind="note", summary=f"About {subject.pk}",
                         subject=subject, contact=ContactFactory(company=company),
                         actor=account_manager)  # fmt: skip
            plan(company, account_manager, subject=subject)

    add_rows()
    url = reverse("company_detail", args=[company.pk])
    with django_assert_max_num_queries(100) as few:
        signed_in.get(url)
    for _ in range(5):
        add_rows()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = signed_in.get(url)

    timeline = response.context["timeline"]
    assert [entry.when for entry in timeline] == sorted(
        (entry.when for entry in timeline), reverse=True
    )
    kinds = {entry.kind for entry in timeline}
    assert {"Note", "Follow-up", "Quote"} <= kinds
    page = response.content.decode()
    assert f"Trial of {product}" in page and f"License of {product}" in page


def test_finance_sees_the_recorded_events_but_not_the_notes(
    client, finance, account_manager, company
):
    log_activity(company=company, kind="note", summary="Private chat", actor=account_manager)
    plan(company, account_manager, title="Chase the CFO")
    archive_company(company=company, actor=account_manager)
    client.force_login(finance)
    page = client.get(reverse("company_detail", args=[company.pk])).content.decode()
    assert "Private chat" not in page and "Chase the CFO" not in page
    assert "Company archived" in page  # the automatic timeline stays
    assert "Log a note" not in page


def test_with_own_visibility_another_account_manager_finds_only_what_is_assigned_to_them(
    client, settings, account_manager, other_account_manager, company
):
    settings.ACCOUNT_MANAGER_VISIBILITY = "own"
    theirs = plan(company, account_manager, assignee=other_account_manager)
    mine = plan(company, account_manager)
    client.force_login(other_account_manager)

    assert client.post(reverse("follow_up_complete", args=[mine.pk])).status_code == 404
    assert client.post(reverse("follow_up_complete", args=[theirs.pk])).status_code == 302
