"""Sorting the company, quote, trial and license lists by a column, and filtering them by
utilisation, against a hand-made book whose every figure differs (tests/list_support.py)."""

import pytest
from django.urls import reverse

from accounts.forms import CompanyFilterForm
from licensing.forms import RenewalsDueForm, TrialFilterForm
from sales.forms import QuoteFilterForm
from tests.licensing.factories import LicenseFactory
from tests.list_support import make_book, report_usage


@pytest.fixture
def book(account_manager, product):
    return make_book(account_manager, product)


def company_names(response) -> list[str]:
    return [row.name for row in response.context["page"]]


def row_companies(response) -> list[str]:
    return [row.company.name for row in response.context["page"]]


A, B, C = "Alpha", "Bravo", "Charlie"
SORTS = [
    ("company_list", company_names, {
        "name": [A, B, C], "-name": [C, B, A],
        "-seats": [B, C, A], "seats": [A, C, B],
        "penetration": [A, C, B], "-penetration": [B, C, A],
        # Charlie reports no usage: last both ways.
        "utilisation": [B, A, C], "-utilisation": [A, B, C],
        "-value": [B, C, A], "value": [A, C, B],
        "created": [A, B, C], "-created": [C, B, A],
    }),
    ("quote_list", row_companies, {
        "-created": [C, B, A], "created": [A, B, C],
        "-total": [B, C, A], "total": [A, C, B],
        "company": [A, B, C], "-company": [C, B, A],
    }),
    ("trial_list", row_companies, {
        "ends": [C, A, B], "-ends": [B, A, C],
        "-seats": [C, A, B], "seats": [B, A, C],
        "company": [A, B, C], "-company": [C, B, A],
    }),
    ("license_list", row_companies, {
        "ends": [A, C, B], "-ends": [B, C, A],
        "-seats": [B, C, A], "seats": [A, C, B],
        "-value": [B, C, A], "value": [A, C, B],
        "utilisation": [B, A, C], "-utilisation": [A, B, C],
        "company": [A, B, C], "-company": [C, B, A],
    }),
]  # fmt: skip
FORMS = {
    "company_list": CompanyFilterForm,
    "quote_list": QuoteFilterForm,
    "trial_list": TrialFilterForm,
    "license_list": RenewalsDueForm,
}
CASES = [(url, rows, sort, order) for url, rows, orders in SORTS for sort, order in orders.items()]


def test_every_sort_key_of_every_list_is_tested():
    for url, _, orders in SORTS:
        assert set(orders) == set(FORMS[url].SORTS), url


@pytest.mark.parametrize(
    ("url", "rows", "sort", "expected"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES]
)
def test_each_list_sorts_by_each_of_its_keys(
    client, account_manager, book, url, rows, sort, expected
):
    client.force_login(account_manager)

    response = client.get(reverse(url), {"sort": sort})

    assert response.status_code == 200
    assert rows(response) == expected


def test_equal_values_keep_one_order_by_the_tie_breaker(client, account_manager, product):
    from tests.accounts.factories import CompanyFactory

    twins = [CompanyFactory(name="Twin", owner=account_manager) for _ in range(3)]
    client.force_login(account_manager)

    ascending = client.get(reverse("company_list"), {"sort": "name"}).context["page"]
    descending = client.get(reverse("company_list"), {"sort": "-name"}).context["page"]

    assert [c.pk for c in ascending] == sorted(t.pk for t in twins)
    assert [c.pk for c in descending] == sorted((t.pk for t in twins), reverse=True)


def test_a_sort_key_outside_the_list_is_refused_and_the_default_order_shown(
    client, account_manager, book
):
    client.force_login(account_manager)

    response = client.get(reverse("license_list"), {"sort": "company__owner__password"})

    assert "sort" in response.context["form"].errors
    assert row_companies(response) == [A, C, B]  # ends soonest first


def test_a_column_header_sorts_by_it_and_then_the_other_way(client, account_manager, book):
    client.force_login(account_manager)

    unsorted = client.get(reverse("license_list"), {"due": 365}).content.decode()
    ascending = client.get(reverse("license_list"), {"due": 365, "sort": "utilisation"})

    assert 'href="?due=365&amp;sort=utilisation"' in unsorted
    page = ascending.content.decode()
    assert 'aria-sort="ascending"><a href="?due=365&amp;sort=-utilisation"' in page
    assert "Utilisation" in page


def test_a_sort_on_computed_figures_over_too_many_rows_asks_to_narrow_the_list(
    client, account_manager, book, monkeypatch
):
    monkeypatch.setattr(RenewalsDueForm, "MOST_SORTED_ON_FIGURES", 2)
    client.force_login(account_manager)

    everything = client.get(reverse("license_list"), {"sort": "-seats"})
    narrowed = client.get(reverse("license_list"), {"sort": "-seats", "owner": "", "due": 120})

    assert "sorts at most 2 licenses" in everything.content.decode()
    assert row_companies(everything) == [A, C, B]
    assert row_companies(narrowed) == [C, A]


def test_the_under_used_companies_sort_by_utilisation_however_many_they_are(
    client, account_manager, product, book, monkeypatch
):
    """Narrowed to the low band, the sort reads the stored utilisation in order (one index at
    any size): it is never refused, while over the whole list it still is."""
    delta = LicenseFactory(product=product, company__owner=account_manager, company__name="Delta")
    report_usage(delta, assigned=20, active=2)  # 10 %, below Bravo's 25 %
    monkeypatch.setattr(CompanyFilterForm, "MOST_SORTED_ON_FIGURES", 1)
    client.force_login(account_manager)

    lowest = client.get(reverse("company_list"), {"utilisation": "low", "sort": "utilisation"})
    highest = client.get(reverse("company_list"), {"utilisation": "low", "sort": "-utilisation"})
    everything = client.get(reverse("company_list"), {"sort": "utilisation"})

    assert company_names(lowest) == ["Delta", B]
    assert company_names(highest) == [B, "Delta"]
    assert "sorts at most" not in lowest.content.decode() + highest.content.decode()
    assert "sorts at most 1 companies" in everything.content.decode()


# Utilisation: one definition (LicenseQuerySet.with_utilisation), shown, filtered and sorted.


@pytest.mark.parametrize(("band", "companies"), [("low", [B]), ("high", [A]), ("over", [B])])
def test_the_license_and_company_lists_filter_by_utilisation_band(
    client, account_manager, book, band, companies
):
    client.force_login(account_manager)

    licenses = client.get(reverse("license_list"), {"utilisation": band})
    listed = client.get(reverse("company_list"), {"utilisation": band})

    assert row_companies(licenses) == companies
    assert company_names(listed) == companies


def test_usage_reported_more_than_a_week_ago_counts_for_no_band(client, account_manager, product):
    from tests.licensing.factories import LicenseFactory
    from tests.list_support import report_usage

    stale = LicenseFactory(product=product, company__owner=account_manager, seats=10)
    report_usage(stale, assigned=10, active=1, days_ago=8)
    client.force_login(account_manager)

    response = client.get(reverse("license_list"), {"utilisation": "low"})

    assert list(response.context["page"]) == []


def test_the_lists_show_utilisation_per_product_and_per_license(client, account_manager, book):
    client.force_login(account_manager)

    companies = client.get(reverse("company_list")).content.decode()
    licenses = client.get(reverse("license_list"), {"sort": "company"})

    assert "90.0%" in companies and "25.0%" in companies
    alpha, bravo, charlie = licenses.context["page"]
    assert (alpha.utilisation, bravo.utilisation, charlie.utilisation) == (0.9, 0.25, None)
    assert (bravo.assigned_seats, bravo.active_users) == (45, 10)
    assert "over-deployed" in licenses.content.decode()
