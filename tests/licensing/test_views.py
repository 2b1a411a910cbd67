from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from licensing.models import Trial
from licensing.services import add_seats
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import LicenseFactory, TrialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, account_manager):
    client.force_login(account_manager)
    return client


def test_starting_a_trial_defaults_to_30_days(signed_in, company, product):
    page = signed_in.get(reverse("trial_start", args=[company.pk])).content.decode()
    assert 'name="days" value="30"' in page
    response = signed_in.post(
        reverse("trial_start", args=[company.pk]), {"product": product.pk, "seats": 12, "days": 30}
    )
    trial = company.trials.get()
    assert response.url == reverse("company_detail", args=[company.pk])
    assert (trial.seats, trial.ends_on) == (12, timezone.localdate() + timedelta(days=29))


def test_a_trial_without_seats_is_refused_next_to_the_field(signed_in, company, product):
    response = signed_in.post(
        reverse("trial_start", args=[company.pk]), {"product": product.pk, "seats": "", "days": 30}
    )
    assert 'id="id_seats-errors"' in response.content.decode()
    assert not company.trials.exists()


def test_a_trial_of_a_product_no_longer_sold_is_refused(signed_in, company, product):
    product.active = False
    product.save()
    response = signed_in.post(
        reverse("trial_start", args=[company.pk]), {"product": product.pk, "seats": 5, "days": 30}
    )
    assert 'id="id_product-errors"' in response.content.decode()
    assert not company.trials.exists()


def test_active_trials_are_listed_ending_soonest_first_with_days_left(
    signed_in, product, django_assert_max_num_queries
):
    today = timezone.localdate()
    for days in (20, 3, 11, *range(30, 60)):
        TrialFactory(product=product, starts_on=today, ends_on=today + timedelta(days=days))
    TrialFactory(product=product, ends_on=today + timedelta(days=1), status="cancelled")
    # (9: with the filter's owners and products, and the saved filters.)
    with django_assert_max_num_queries(9):
        response = signed_in.get(reverse("trial_list"))
    trials = list(response.context["page"])
    assert [t.days_left(today) for t in trials[:3]] == [3, 11, 20]
    assert all(t.status == "active" for t in trials)


def test_extending_a_trial_pushes_its_end(signed_in, company, product):
    trial = TrialFactory(company=company, product=product)
    ends_on = trial.ends_on
    signed_in.post(reverse("trial_extend", args=[trial.pk]), {"days": 14})
    trial.refresh_from_db()
    assert trial.ends_on == ends_on + timedelta(days=14)


def test_extending_a_cancelled_trial_is_refused_with_a_message(signed_in, company, product):
    trial = TrialFactory(company=company, product=product, status="cancelled")
    response = signed_in.post(reverse("trial_extend", args=[trial.pk]), {"days": 14})
    assert "Cannot extend a trial that is cancelled." in response.content.decode()
    trial.refresh_from_db()
    assert trial.times_extended == 0


def test_cancelling_a_trial(signed_in, company, product):
    trial = TrialFactory(company=company, product=product)
    response = signed_in.post(reverse("trial_cancel", args=[trial.pk]), follow=True)
    assert "cancelled" in response.content.decode()
    assert Trial.objects.get(pk=trial.pk).status == "cancelled"


def test_renewals_due_in_n_days_lists_only_those(signed_in, product, django_assert_max_num_queries):
    today = timezone.localdate()
    soon = LicenseFactory(product=product, starts_on=today - timedelta(days=300), ends_on=today + timedelta(days=20))  # fmt: skip
    for _ in range(30):
        LicenseFactory(product=product, starts_on=today, ends_on=today + timedelta(days=200))
    # (8: with the filter's owners and the saved filters.)
    with django_assert_max_num_queries(8):
        response = signed_in.get(reverse("license_list"), {"due": 30})
    assert list(response.context["page"]) == [soon]
    assert len(signed_in.get(reverse("license_list")).context["page"]) == 31


def test_the_license_page_shows_its_seat_history(
    signed_in, company, product, account_manager, django_assert_max_num_queries
):
    today = timezone.localdate()
    license = LicenseFactory(
        company=company,
        product=product,
        seats=20,
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=355),  # fmt: skip
    )
    for _ in range(15):
        add_seats(license=license, seats=5, effective_on=today, prorated_amount=0, actor=account_manager)  # fmt: skip
    # 8, the license's last 90 days of usage, one per model the history names, and 6 for the
    # notes and follow-ups about it with their two forms (the first read of the license's
    # content type included): constant.
    with django_assert_max_num_queries(21):
        response = signed_in.get(reverse("license_detail", args=[license.pk]))
    page = response.content.decode()
    assert response.context["initial_seats"] == 20
    assert page.count("+5") == 15 and ">95<" in page
    assert "Add seats" in page and "Draft renewal quote" in page


def test_another_account_manager_sees_the_license_without_actions(
    client, other_account_manager, product
):
    license = LicenseFactory(company=CompanyFactory(), product=product)
    client.force_login(other_account_manager)
    page = client.get(reverse("license_detail", args=[license.pk])).content.decode()
    assert "Add seats" not in page and "Draft renewal quote" not in page


def test_the_trial_list_offers_actions_only_on_ones_own_trials(signed_in, company, product):
    mine = TrialFactory(company=company, product=product)
    theirs = TrialFactory(product=product)
    page = signed_in.get(reverse("trial_list")).content.decode()
    assert reverse("trial_convert", args=[mine.pk]) in page
    assert reverse("trial_convert", args=[theirs.pk]) not in page
