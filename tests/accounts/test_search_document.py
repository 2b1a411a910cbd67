"""A company's search document (Company.search_document) follows its name and domain and its
contacts on every path that writes them, so that the company search finds what a user reads
on the company's page, and nothing it no longer shows."""

import pytest
from django.urls import reverse

from accounts.models import Company, Contact
from accounts.services import remove_contact, save_company, save_contact
from tests.accounts.factories import CompanyFactory, ContactFactory
from tests.accounts.test_imports import applied, checked, csv_of

pytestmark = pytest.mark.django_db


def found(text: str) -> list[str]:
    return sorted(Company.objects.search(text).values_list("name", flat=True))


@pytest.fixture
def acme(account_manager):
    company = CompanyFactory(name="Acme Tools", domain="acme.com", owner=account_manager)
    ContactFactory(company=company, first_name="Ana", last_name="Lima", email="ana@acme.com")
    return company


def test_a_company_is_found_by_its_name_domain_and_contacts_in_any_case(acme):
    for text in ("acme", "TOOLS", "acme.co", "ana", "LIMA", "ana@acme", "Acme Lima"):
        assert found(text) == ["Acme Tools"], text


def test_every_word_must_match_somewhere(acme):
    CompanyFactory(name="Lima Foods", domain="limafoods.com")
    assert found("lima") == ["Acme Tools", "Lima Foods"]
    assert found("lima foods") == ["Lima Foods"]
    assert found("acme nobody") == []


def test_renaming_a_contact_moves_the_company_to_the_new_name(acme, account_manager):
    contact = acme.contacts.get()
    contact.last_name = "Pereira"
    save_contact(contact=contact, actor=account_manager)
    assert found("pereira") == ["Acme Tools"]
    assert found("lima") == []


def test_a_removed_contact_no_longer_finds_the_company(acme, account_manager):
    remove_contact(contact=acme.contacts.get(), actor=account_manager)
    assert found("lima") == []
    assert found("acme") == ["Acme Tools"]


def test_a_new_contact_finds_the_company(acme, account_manager):
    contact = Contact(company=acme, first_name="Bo", last_name="Zhang", email="bo@acme.com")
    save_contact(contact=contact, actor=account_manager)
    assert found("zhang") == ["Acme Tools"]


def test_a_contact_moved_to_another_company_takes_their_name_along(acme, account_manager):
    other = CompanyFactory(name="Globex", domain="globex.com", owner=account_manager)
    contact = acme.contacts.get()
    contact.company = other
    save_contact(contact=contact, actor=account_manager)
    assert found("lima") == ["Globex"]


def test_renaming_a_company_finds_it_by_its_new_name_only(acme, account_manager):
    acme.name, acme.domain = "Initech", "initech.com"
    save_company(company=acme, actor=account_manager)
    assert found("initech") == ["Initech"]
    assert found("tools") == []
    assert found("lima") == ["Initech"]  # its contacts stay in the document


@pytest.mark.django_db(transaction=True)
def test_an_import_updates_the_documents_of_the_companies_it_writes(account_manager, acme):
    job = checked(
        account_manager,
        csv_of(
            "Globex,globex.com,,,,,Cy,Ng,cy@globex.com,",
            "Acme Tools,acme.com,,,,,Ana,Okafor,ana@acme.com,",
        ),
    )
    assert applied(job).status == job.Status.APPLIED
    assert found("ng") == ["Globex"] and found("globex") == ["Globex"]
    assert found("okafor") == ["Acme Tools"]
    assert found("lima") == []


def test_a_contact_deleted_in_the_admin_no_longer_finds_the_company(acme, admin, client):
    client.force_login(admin)
    contact = acme.contacts.get()
    response = client.post(
        reverse("admin:accounts_contact_delete", args=[contact.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert found("lima") == []


def test_a_company_search_reads_one_table_whatever_the_number_of_contacts(
    acme, django_assert_max_num_queries
):
    ContactFactory.create_batch(5, company=acme)
    with django_assert_max_num_queries(1) as queries:
        assert found("acme") == ["Acme Tools"]
    assert "accounts_contact" not in queries.captured_queries[0]["sql"]


def test_a_document_is_the_name_domain_and_each_contacts_names_and_email_lower_cased(acme):
    # The expression the migration fills every company with (accounts 0013).
    Company.objects.update(search_document="")
    Company.objects.all().refresh_search_documents()
    acme.refresh_from_db()
    assert acme.search_document == "acme tools acme.com ana lima ana@acme.com"
