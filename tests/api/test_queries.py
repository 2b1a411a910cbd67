"""Every list keeps a constant number of queries, however many rows it shows."""

import pytest

from tests.accounts.factories import CompanyFactory, ContactFactory
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.sales.factories import make_quote

ROWS = 30
LISTS = ["companies", "contacts", "products", "trials", "licenses", "quotes"]
# Token and user, the role groups, the page count, the page's ids, its rows, and one prefetch
# (tiers, lines).
MAX_QUERIES = 6


@pytest.fixture
def many_rows(company, product):
    for _ in range(ROWS):
        other = CompanyFactory(owner=company.owner)
        ContactFactory(company=other, is_primary=True)
        tiered = ProductFactory(tiers=[(1, "10.00"), (50, "8.00")])
        # Quoted before it is licensed: a new-business quote is for a product not yet held.
        make_quote(company=other, product=tiered, seats=12)
        TrialFactory(company=other, product=tiered)
        LicenseFactory(company=other, product=tiered)


@pytest.mark.parametrize("resource", LISTS)
def test_a_full_page_of_the_list_takes_a_constant_number_of_queries(
    api_client, finance, many_rows, django_assert_max_num_queries, resource
):
    client = api_client(finance)

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(f"/api/v1/{resource}/", {"page_size": 100})

    assert response.status_code == 200
    assert len(response.json()["results"]) >= ROWS


def test_the_page_size_has_a_maximum(api_client, admin, many_rows):
    response = api_client(admin).get("/api/v1/contacts/", {"page_size": 10_000})

    assert len(response.json()["results"]) == 31
    assert api_client(admin).get("/api/v1/contacts/", {"page_size": 5}).json()["next"]
