from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Activity, Company, Contact
from sales.services import send_quote
from tests.accounts.factories import CompanyFactory, ContactFactory
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, account_manager):
    client.force_login(account_manager)
    return client


def many_companies(owner, product, count=30):
    """Companies with contacts, a license and a trial each, so joins would multiply rows."""
    today = timezone.localdate()
    for number in range(count):
        company = CompanyFactory(
            owner=owner, name=f"Bulk {number:03d}", employee_count=100 + number
        )
        ContactFactory(company=company)
        LicenseFactory(company=company, product=product, seats=5 * (number % 4 + 1))
        TrialFactory(company=company, product=product, ends_on=today + timedelta(days=number))


def test_the_company_list_finds_a_company_by_its_contacts_email(signed_in, company):
    contact = company.contacts.get()
    CompanyFactory(name="Unrelated")
    response = signed_in.get(reverse("company_list"), {"q": contact.email.upper()})
    assert [c.name for c in response.context["page"]] == [company.name]


def test_the_company_list_filters_by_status_owner_and_industry(
    signed_in, account_manager, other_account_manager, product
):
    customer = CompanyFactory(owner=account_manager, industry="retail")
    LicenseFactory(company=customer, product=product)
    CompanyFactory(owner=account_manager, industry="retail")  # a prospect
    CompanyFactory(owner=other_account_manager, industry="retail")
    response = signed_in.get(
        reverse("company_list"),
        {"status": "customer", "owner": account_manager.pk, "industry": "retail"},
    )
    assert [c.pk for c in response.context["page"]] == [customer.pk]


def test_the_company_list_sorts_by_lowest_penetration(signed_in, account_manager, product):
    high = CompanyFactory(owner=account_manager, name="High", employee_count=10)
    low = CompanyFactory(owner=account_manager, name="Low", employee_count=1000)
    LicenseFactory(company=high, product=product, seats=10)
    LicenseFactory(company=low, product=product, seats=10)
    response = signed_in.get(reverse("company_list"), {"sort": "penetration"})
    assert [c.name for c in response.context["page"]][:2] == ["Low", "High"]


def test_the_company_list_pages_and_keeps_its_filters(signed_in, account_manager):
    CompanyFactory.create_batch(30, owner=account_manager, industry="media")
    response = signed_in.get(reverse("company_list"), {"industry": "media", "page": 2})
    assert len(response.context["page"]) == 5
    assert "industry=media&amp;page=1" in response.content.decode()


def test_the_company_list_runs_a_fixed_number_of_queries(
    signed_in, account_manager, product, django_assert_max_num_queries
):
    many_companies(account_manager, product)
    # (10: the sort on value first checks that at most 2,000 companies match; the saved
    # filters and the usage per product of the companies shown are one query each.)
    with django_assert_max_num_queries(10):
        response = signed_in.get(reverse("company_list"), {"q": "Bulk", "sort": "-value"})
    assert len(response.context["page"]) == 25


def test_the_company_page_shows_seats_value_penetration_and_timeline(
    signed_in, company, product, django_assert_max_num_queries
):
    LicenseFactory(company=company, product=product, seats=50, unit_price=Decimal("40.00"))
    for _ in range(20):
        ContactFactory(company=company)
        TrialFactory(company=company, product=product)
        LicenseFactory(company=company, product=product, status="expired")
        make_quote(company=company, product=ProductFactory())  # not held yet
    # (24: the history section reads the company's and its contacts' histories and the names
    # their foreign keys point to; the notes and follow-ups forms read the subjects they offer.)
    with django_assert_max_num_queries(24):
        response = signed_in.get(reverse("company_detail", args=[company.pk]))
    page = response.content.decode()
    assert "50 / 200 employees (25%)" in page
    assert "42% of the 120-seat target" in page
    assert "2,000.00" in page
    assert "drafted (new business)" in page


def test_the_company_page_shows_its_billing_address_and_vat_number(signed_in, account_manager):
    company = CompanyFactory(
        owner=account_manager, billing_address="12 rue de la Paix\n75002 Paris", vat_number="FR40303265045"
    )  # fmt: skip
    page = signed_in.get(reverse("company_detail", args=[company.pk])).content.decode()
    assert "Billing address</dt>" in page and "12 rue de la Paix<br>75002 Paris" in page
    assert 'VAT number</dt><dd class="mb-0">FR40303265045</dd>' in page


def test_the_company_page_says_nothing_of_a_billing_address_or_vat_number_not_set(
    signed_in, company
):
    page = signed_in.get(reverse("company_detail", args=[company.pk])).content.decode()
    assert "Billing address" not in page and "VAT number" not in page


def test_an_account_manager_creates_a_company_they_own(signed_in, account_manager):
    response = signed_in.post(
        reverse("company_create"),
        {"name": "Acme", "domain": "acme.example", "industry": "retail", "employee_count": 300},
    )
    company = Company.objects.get(name="Acme")
    assert response.url == reverse("company_detail", args=[company.pk])
    assert company.owner == account_manager
    assert company.activities.get().message == "Company created"


def test_the_company_form_shows_its_errors_next_to_the_fields(signed_in):
    response = signed_in.post(reverse("company_create"), {"name": "", "employee_count": "-3"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_name-errors"' in page and "This field is required." in page
    assert 'id="id_employee_count-errors"' in page
    assert not Company.objects.exists()


def test_a_contact_is_added_edited_and_made_primary(signed_in, company):
    previous_primary = company.contacts.get()
    signed_in.post(
        reverse("contact_create", args=[company.pk]),
        {
            "first_name": "Ada",
            "last_name": "Byron",
            "email": "ada@client.example",
            "is_primary": "on",
            "accepts_reminders": "on",
        },  # fmt: skip
    )
    ada = company.contacts.get(email="ada@client.example")
    assert ada.is_primary
    previous_primary.refresh_from_db()
    assert not previous_primary.is_primary
    signed_in.post(
        reverse("contact_edit", args=[ada.pk]),
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@client.example"},
    )
    ada.refresh_from_db()
    assert (ada.last_name, ada.is_primary, ada.accepts_reminders) == ("Lovelace", False, False)


def test_a_second_contact_with_the_same_email_is_refused_on_the_form(signed_in, company):
    email = company.contacts.get().email
    response = signed_in.post(
        reverse("contact_create", args=[company.pk]),
        {"first_name": "Twin", "last_name": "Copy", "email": email},
    )
    assert "This company already has a contact with this email." in response.content.decode()
    assert company.contacts.count() == 1


def test_removing_a_contact_records_it_on_the_timeline(signed_in, company):
    contact = ContactFactory(company=company)
    response = signed_in.post(reverse("contact_remove", args=[contact.pk]))
    assert response.url == reverse("company_detail", args=[company.pk])
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert company.activities.filter(message=f"Contact {contact} removed").exists()


def test_a_contact_who_received_a_quote_cannot_be_removed(signed_in, company, product):
    make_quote(company=company, product=product)
    contact = company.contacts.get()
    response = signed_in.post(reverse("contact_remove", args=[contact.pk]), follow=True)
    assert "received quotes and stays on record" in response.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert not Activity.objects.filter(message__contains="removed").exists()


def test_another_account_manager_sees_the_company_read_only(client, other_account_manager, company):
    client.force_login(other_account_manager)
    page = client.get(reverse("company_detail", args=[company.pk])).content.decode()
    assert company.name in page
    assert reverse("company_edit", args=[company.pk]) not in page


def test_support_sees_no_quotes_on_the_company_page(client, support, company, product):
    make_quote(company=company, product=product)
    client.force_login(support)
    page = client.get(reverse("company_detail", args=[company.pk])).content.decode()
    assert 'id="quotes-heading"' not in page
    assert reverse("quote_create") not in page


def test_the_header_search_finds_companies_contacts_and_quotes_by_number(
    signed_in, company, product, account_manager, django_assert_max_num_queries
):
    quote = send_quote(quote=make_quote(company=company, product=product), actor=account_manager)
    contact = company.contacts.get()
    with django_assert_max_num_queries(8):
        response = signed_in.get(reverse("search"), {"q": quote.number})
    assert list(response.context["quotes"]) == [quote]
    response = signed_in.get(reverse("search"), {"q": contact.full_name})
    assert list(response.context["contacts"]) == [contact]
    response = signed_in.get(reverse("search"), {"q": company.domain})
    assert list(response.context["companies"]) == [company]


def test_support_searches_companies_but_not_quotes(client, support, company, product):
    make_quote(company=company, product=product)
    client.force_login(support)
    response = client.get(reverse("search"), {"q": "Q-"})
    assert response.context["quotes"] == []
    assert 'id="found-quotes"' not in response.content.decode()
