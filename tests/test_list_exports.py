"""The lists as CSV files: the rows and order the list shows, streamed, for the roles that
may download them, defused against spreadsheet formulas, in a fixed number of queries."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import LicenseFactory, TrialFactory
from tests.list_support import make_book
from tests.sales.factories import make_quote


@pytest.fixture
def book(account_manager, product):
    return make_book(account_manager, product)


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_company_csv_has_the_filtered_rows_in_the_lists_order(client, account_manager, book):
    client.force_login(account_manager)

    rows = read_csv(client.get(reverse("company_list"), {"sort": "-seats", "format": "csv"}))
    low = read_csv(client.get(reverse("company_list"), {"utilisation": "low", "format": "csv"}))

    assert [row["name"] for row in rows] == ["Bravo", "Charlie", "Alpha"]
    bravo = rows[0]
    assert (bravo["licensed_seats"], bravo["penetration_percent"]) == ("40", "40.0")
    assert (bravo["lowest_utilisation_percent"], bravo["annual_value"]) == ("25.0", "1600.00")
    assert rows[1]["lowest_utilisation_percent"] == ""  # Charlie reports no usage
    assert [row["name"] for row in low] == ["Bravo"]


def test_the_license_csv_carries_utilisation_and_follows_the_filter(client, account_manager, book):
    client.force_login(account_manager)

    rows = read_csv(client.get(reverse("license_list"), {"due": 120, "format": "csv"}))

    assert [(r["company"], r["seats"], r["utilisation_percent"]) for r in rows] == [
        ("Alpha", "10", "90.0"),
        ("Charlie", "20", ""),
    ]
    assert (rows[0]["assigned_seats"], rows[0]["active_users_30d"]) == ("10", "9")


def test_the_trial_and_quote_csv_follow_their_lists_sort(client, account_manager, book):
    client.force_login(account_manager)

    trials = read_csv(client.get(reverse("trial_list"), {"sort": "-seats", "format": "csv"}))
    quotes = read_csv(client.get(reverse("quote_list"), {"sort": "total", "format": "csv"}))

    assert [(r["company"], r["seats"]) for r in trials] == [
        ("Charlie", "25"),
        ("Alpha", "15"),
        ("Bravo", "5"),
    ]
    assert [r["company"] for r in quotes] == ["Alpha", "Charlie", "Bravo"]


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_defused(client, account_manager, product):
    LicenseFactory(company__name='=HYPERLINK("http://x")', company__owner=account_manager)
    client.force_login(account_manager)

    rows = read_csv(client.get(reverse("company_list"), {"format": "csv"}))

    assert rows[0]["name"] == '\'=HYPERLINK("http://x")'


def test_an_account_manager_exports_only_the_rows_they_may_see(
    client, settings, account_manager, other_account_manager, book
):
    settings.ACCOUNT_MANAGER_VISIBILITY = "own"
    LicenseFactory(company__name="Not mine", company__owner=other_account_manager)
    client.force_login(account_manager)

    rows = read_csv(client.get(reverse("license_list"), {"format": "csv"}))

    assert "Not mine" not in {row["company"] for row in rows}
    assert len(rows) == 3


@pytest.mark.parametrize("url", ["company_list", "trial_list", "license_list"])
def test_support_sees_the_lists_but_may_not_download_them(client, support, book, url):
    client.force_login(support)

    assert client.get(reverse(url)).status_code == 200
    assert b"Download CSV" not in client.get(reverse(url)).content
    assert client.get(reverse(url), {"format": "csv"}).status_code == 403


def _csv_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        read_csv(client.get(reverse(url), {"format": "csv"}))
    return len(queries)


@pytest.mark.parametrize("url", ["company_list", "quote_list", "trial_list", "license_list"])
def test_a_csv_takes_as_many_queries_with_30_rows_as_with_3(client, account_manager, product, url):
    client.force_login(account_manager)
    make_book(account_manager, product)
    few = _csv_queries(client, url)

    for n in range(27):
        company = CompanyFactory(name=f"More {n}", owner=account_manager)
        make_quote(company=company, product=product)
        LicenseFactory(company=company, product=product)
        TrialFactory(company=company, product=product)

    assert _csv_queries(client, url) == few
