"""Notes, calls, meetings and follow-ups logged from a trial, license or quote page: the
company page's forms, set on that subject, shown on its page and on the company's timeline."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import FollowUp, Interaction, describe_subject, subject_key
from accounts.services import create_follow_up, log_activity
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db

SUBJECTS = {
    "trial": lambda company, product: TrialFactory(company=company, product=product),
    "license": lambda company, product: LicenseFactory(company=company, product=product),
    "quote": lambda company, product: make_quote(company=company, product=product),
}


@pytest.fixture(params=SUBJECTS)
def subject(request, company, product):
    return SUBJECTS[request.param](company, product)


@pytest.fixture
def signed_in(client, account_manager):
    client.force_login(account_manager)
    return client


def note(on, **fields):
    return {
        "on": subject_key(on),
        "interaction-kind": "call",
        "interaction-occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "interaction-about": subject_key(on),
        "interaction-summary": "They want 40 more seats in March.",
        **fields,
    }


def follow_up(on, owner_id):
    return {
        "on": subject_key(on),
        "follow_up-title": "Send the expansion quote",
        "follow_up-due_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "follow_up-assignee": owner_id,
        "follow_up-about": subject_key(on),
    }


def test_the_page_offers_both_forms_set_on_its_subject(signed_in, subject):
    page = signed_in.get(subject.get_absolute_url()).content.decode()
    assert f'<input type="hidden" name="on" value="{subject_key(subject)}">' in page
    assert f'<option value="{subject_key(subject)}" selected>' in page
    assert "Log a note, call or meeting" in page and "Plan a follow-up" in page
    assert "Notes, calls and meetings" in page and "Nothing logged yet." in page


def test_a_call_logged_from_the_page_is_about_it_there_and_on_the_company_timeline(
    signed_in, account_manager, subject, company
):
    response = signed_in.post(
        reverse("interaction_create", args=[company.pk]), note(subject), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "They want 40 more seats in March." in response.content.decode()
    assert Interaction.objects.get().subject == subject

    on_page = signed_in.get(subject.get_absolute_url()).content.decode()
    on_company = signed_in.get(company.get_absolute_url()).content.decode()
    assert "They want 40 more seats in March." in on_page
    assert "They want 40 more seats in March." in on_company
    assert describe_subject(subject) in on_company


def test_a_follow_up_planned_from_the_page_is_listed_there_and_named_on_the_timeline(
    signed_in, subject, company
):
    response = signed_in.post(
        reverse("follow_up_create", args=[company.pk]),
        follow_up(subject, company.owner_id),
        HTTP_HX_REQUEST="true",
    )
    assert 'id="company-follow-ups" ' in response.content.decode()
    assert FollowUp.objects.get().subject == subject
    assert "Send the expansion quote" in signed_in.get(subject.get_absolute_url()).content.decode()
    activity = company.activities.get(kind="follow_up")
    assert f"({describe_subject(subject)}): Send the expansion quote" in activity.message


def test_without_htmx_the_page_comes_back_after_saving(signed_in, subject, company):
    response = signed_in.post(reverse("interaction_create", args=[company.pk]), note(subject))
    assert response.status_code == 302
    assert response.url == subject.get_absolute_url()


def test_the_page_shows_only_what_is_about_it(
    signed_in, account_manager, company, product, subject
):
    other_trial = TrialFactory(company=company, product=ProductFactory())
    log_activity(company=company, kind="note", summary="About the other trial",
                 subject=other_trial, actor=account_manager)  # fmt: skip
    log_activity(company=company, kind="note", summary="About the company", actor=account_manager)
    create_follow_up(company=company, title="Chase the other trial", subject=other_trial,
                     due_on=timezone.localdate(), assignee=account_manager,
                     actor=account_manager)  # fmt: skip
    page = signed_in.get(subject.get_absolute_url()).content.decode()
    assert "About the other trial" not in page
    assert "About the company" not in page
    assert "Chase the other trial" not in page


def test_a_subject_of_another_company_is_refused_and_nothing_is_written(
    signed_in, company, product
):
    elsewhere = TrialFactory(company=CompanyFactory(owner=company.owner), product=product)
    url = reverse("interaction_create", args=[company.pk])
    response = signed_in.post(url, note(elsewhere), HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert not Interaction.objects.exists()


def test_the_page_cannot_file_a_note_elsewhere(signed_in, company, product, subject):
    other_trial = TrialFactory(company=company, product=ProductFactory())
    fields = note(subject, **{"interaction-about": subject_key(other_trial)})
    response = signed_in.post(
        reverse("interaction_create", args=[company.pk]), fields, HTTP_HX_REQUEST="true"
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Interaction.objects.exists()


def test_finance_sees_a_quote_without_its_notes(client, finance, account_manager, company, product):
    quote = make_quote(company=company, product=product)
    log_activity(company=company, kind="note", summary="Private word", subject=quote,
                 actor=account_manager)  # fmt: skip
    client.force_login(finance)
    page = client.get(quote.get_absolute_url()).content.decode()
    assert "Private word" not in page
    assert "Log a note" not in page and "Notes, calls and meetings" not in page


def test_the_page_reads_its_notes_in_constant_queries(
    signed_in, account_manager, company, subject, django_assert_max_num_queries
):
    def add_rows():
        log_activity(company=company, kind="note", summary="Another word", subject=subject,
                     actor=account_manager)  # fmt: skip
        create_follow_up(company=company, title="Again", subject=subject, actor=account_manager,
                         due_on=timezone.localdate(), assignee=account_manager)  # fmt: skip

    add_rows()
    url = subject.get_absolute_url()
    with django_assert_max_num_queries(100) as few:
        signed_in.get(url)
    for _ in range(5):
        add_rows()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = signed_in.get(url)
    assert response.content.decode().count("Another word") == 6
