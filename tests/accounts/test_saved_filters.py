"""Saved filters: the built-in ones, saving the current filter by name, listing and deleting
one's own, and never reaching another user's."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.lists import days_left_this_week
from accounts.models import SavedFilter
from tests.list_support import make_book


@pytest.fixture
def book(account_manager, product):
    return make_book(account_manager, product)


def save(client, **fields):
    return client.post(reverse("saved_filter_save"), fields)


def test_a_filter_saved_by_name_is_listed_on_its_list_and_opens_it(client, account_manager, book):
    client.force_login(account_manager)

    response = save(client, list_key="licenses", name="Q1 renewals", query="due=120&sort=-seats")

    assert response.status_code == 302
    assert response["Location"] == "/licenses/?due=120&sort=-seats"
    page = client.get(response["Location"])
    assert [s.name for s in page.context["saved_filters"]] == ["Q1 renewals"]
    assert 'href="/licenses/?due=120&amp;sort=-seats" aria-current="true">Q1 renewals' in (
        page.content.decode()
    )
    assert [license.company.name for license in page.context["page"]] == ["Charlie", "Alpha"]
    assert client.get(reverse("quote_list")).context["saved_filters"].count() == 0


def test_saving_again_under_the_same_name_replaces_the_filter(client, account_manager):
    client.force_login(account_manager)

    save(client, list_key="companies", name="Mine", query="owner=1")
    save(client, list_key="companies", name="Mine", query="owner=1&sort=-seats")

    saved = SavedFilter.objects.get()
    assert (saved.name, saved.query) == ("Mine", "owner=1&sort=-seats")


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"list_key": "companies", "name": "", "query": "q=x"}, "This field is required"),
        ({"list_key": "companies", "name": "x" * 81, "query": ""}, "at most 80"),
        ({"list_key": "companies", "name": "a\nb", "query": ""}, "line"),
        ({"list_key": "companies", "name": "Long", "query": "q=" + "x" * 1000}, "at most"),
    ],
)
def test_a_bad_name_or_query_is_refused_with_a_reason_and_nothing_saved(
    client, account_manager, fields, problem
):
    client.force_login(account_manager)

    response = save(client, **fields)
    page = client.get(response["Location"]).content.decode()

    assert "The filter was not saved" in page and problem in page
    assert not SavedFilter.objects.exists()


def test_an_unknown_list_is_a_bad_request(client, account_manager):
    client.force_login(account_manager)

    assert save(client, list_key="passwords", name="x", query="").status_code == 400


def test_support_may_not_save_a_filter_on_a_list_it_does_not_see(client, support):
    client.force_login(support)

    assert save(client, list_key="quotes", name="x", query="").status_code == 403
    assert not SavedFilter.objects.exists()


def test_another_users_saved_filter_is_neither_listed_nor_deletable(
    client, account_manager, other_account_manager
):
    theirs = SavedFilter.objects.create(
        user=other_account_manager, list_key="companies", name="Theirs", query="status=trial"
    )
    client.force_login(account_manager)

    listed = client.get(reverse("company_list")).context["saved_filters"]
    deleted = client.post(reverse("saved_filter_delete", args=[theirs.pk]))

    assert list(listed) == []
    assert deleted.status_code == 404
    assert SavedFilter.objects.filter(pk=theirs.pk).exists()


def test_a_user_deletes_their_own_saved_filter(client, account_manager):
    mine = SavedFilter.objects.create(
        user=account_manager, list_key="trials", name="Mine", query="ending=7"
    )
    client.force_login(account_manager)

    response = client.post(reverse("saved_filter_delete", args=[mine.pk]))

    assert response["Location"] == reverse("trial_list")
    assert not SavedFilter.objects.exists()


def test_saving_a_filter_needs_the_csrf_token(account_manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(account_manager)

    response = save(client, list_key="companies", name="x", query="")

    assert response.status_code == 403
    assert not SavedFilter.objects.exists()


def test_the_built_in_filters_name_my_renewals_and_this_weeks_trials(
    client, account_manager, other_account_manager, product, book
):
    client.force_login(account_manager)
    today = timezone.localdate()

    licenses = client.get(reverse("license_list")).context["presets"]
    trials = client.get(reverse("trial_list")).context["presets"]

    renewals = dict(licenses)["My renewals in the next 90 days"]
    assert renewals == f"owner={account_manager.pk}&due=90"
    ending = dict(trials)["Trials ending this week"]
    assert ending == f"ending={days_left_this_week(today)}"
    mine = client.get(f"{reverse('license_list')}?{renewals}").context["page"]
    assert [license.company.name for license in mine] == ["Alpha"]  # ends in 30 days
