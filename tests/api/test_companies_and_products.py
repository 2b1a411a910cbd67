import pytest

from accounts.models import Activity, Contact
from licensing.models import PriceTier, Product
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import LicenseFactory


def test_a_company_shows_its_licensed_seats_and_penetration(as_account_manager, company, product):
    LicenseFactory(company=company, product=product, seats=45)

    response = as_account_manager.get(f"/api/v1/companies/{company.pk}/")

    body = response.json()
    assert (body["licensed_seats"], body["seat_penetration"], body["status"]) == (
        45,
        "22.5",
        "customer",
    )


def test_a_new_company_belongs_to_its_creator_and_joins_the_timeline(
    as_account_manager, account_manager
):
    response = as_account_manager.post(
        "/api/v1/companies/", {"name": "Acme", "employee_count": 80}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["owner"], body["licensed_seats"], body["seat_penetration"]) == (
        account_manager.pk,
        0,
        "0.0",
    )
    assert Activity.objects.filter(company_id=body["id"], message="Company created").exists()


def test_a_negative_headcount_is_refused(as_account_manager, company):
    response = as_account_manager.patch(
        f"/api/v1/companies/{company.pk}/", {"employee_count": -4}, format="json"
    )

    assert response.status_code == 400 and "employee_count" in response.json()
    company.refresh_from_db()
    assert company.employee_count == 200


def test_companies_search_filter_and_order(as_account_manager, company, other_account_manager):
    CompanyFactory(name="Zebra Logistics", owner=other_account_manager, industry="logistics")

    def names(**params):
        response = as_account_manager.get("/api/v1/companies/", params)
        return [row["name"] for row in response.json()["results"]]

    assert names(search="zebra") == ["Zebra Logistics"]
    assert names(owner=company.owner_id) == [company.name]
    assert names(status="prospect", ordering="-name") == ["Zebra Logistics", company.name]
    assert names(industry="logistics") == ["Zebra Logistics"]


def test_making_a_contact_primary_moves_the_flag(as_account_manager, company):
    previous = company.contacts.get()

    response = as_account_manager.post(
        "/api/v1/contacts/",
        {
            "company": company.pk,
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@client.example",
            "is_primary": True,
        },
        format="json",
    )

    assert response.status_code == 201
    previous.refresh_from_db()
    assert not previous.is_primary


def test_a_contact_with_an_email_already_at_the_company_is_refused(as_account_manager, company):
    existing = company.contacts.get()

    response = as_account_manager.post(
        "/api/v1/contacts/",
        {"company": company.pk, "first_name": "A", "last_name": "B", "email": existing.email},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["This company already has a contact with this email."]
    }
    assert Contact.objects.count() == 1


@pytest.fixture
def as_finance(api_client, finance):
    return api_client(finance)


def test_finance_writes_a_product_with_its_price_tiers(as_finance):
    response = as_finance.post(
        "/api/v1/products/",
        {
            "code": "helpdesk",
            "name": "Helpdesk",
            "seat_block_size": 10,
            "billing_period": "month",
            "currency": "EUR",
            "price_tiers": [
                {"min_seats": 1, "unit_price": "12.50"},
                {"min_seats": 50, "unit_price": "10.00"},
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["price_tiers"] == [
        {"min_seats": 1, "unit_price": "12.50"},
        {"min_seats": 50, "unit_price": "10.00"},
    ]


def test_writing_tiers_replaces_them_all(as_finance, product):
    response = as_finance.patch(
        f"/api/v1/products/{product.pk}/",
        {"price_tiers": [{"min_seats": 1, "unit_price": "45.00"}]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["price_tiers"] == [{"min_seats": 1, "unit_price": "45.00"}]
    assert PriceTier.objects.filter(product=product).count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"price_tiers": [{"min_seats": 10, "unit_price": "5.00"}]}, "price_tiers"),
        ({"price_tiers": [{"min_seats": 1, "unit_price": "-5.00"}]}, "price_tiers"),
        ({"price_tiers": []}, "price_tiers"),
        ({"seat_block_size": 0}, "seat_block_size"),
        ({"billing_period": "fortnight"}, "billing_period"),
    ],
    ids=["no price for one seat", "negative price", "no tiers", "empty blocks", "unknown period"],
)
def test_a_product_with_bad_input_is_refused_and_tiers_stay(as_finance, product, change, field):
    response = as_finance.patch(f"/api/v1/products/{product.pk}/", change, format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    product.refresh_from_db()
    assert product.seat_block_size == 5
    assert PriceTier.objects.filter(product=product).count() == 3


def test_products_filter_on_active(as_finance, product):
    Product.objects.filter(pk=product.pk).update(active=False)

    assert as_finance.get("/api/v1/products/", {"active": "true"}).json()["count"] == 0
    assert as_finance.get("/api/v1/products/", {"active": "false"}).json()["count"] == 1


def test_a_search_with_a_null_character_answers_400_on_the_search_parameter(as_account_manager):
    response = as_account_manager.get("/api/v1/companies/", {"search": "a\x00b"})

    assert response.status_code == 400
    assert response.json() == {"search": ["Null characters are not allowed."]}


def test_a_company_takes_a_billing_address_and_a_vat_number_stored_without_separators(
    as_account_manager, company
):
    response = as_account_manager.patch(
        f"/api/v1/companies/{company.pk}/",
        {"billing_address": "12 rue de la Paix\n75002 Paris", "vat_number": "fr 123.456.789-01"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["vat_number"] == "FR12345678901"
    refused = as_account_manager.patch(
        f"/api/v1/companies/{company.pk}/", {"vat_number": "123456789"}, format="json"
    )
    assert refused.status_code == 400 and "vat_number" in refused.json()
