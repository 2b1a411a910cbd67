"""accounts.limits and the data hygiene rules it holds (currencies, countries, domains,
single-line names, ASCII digits, sentences instead of constraint names), through the model,
the form, the API and the admin."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import limits
from accounts.models import Company, Contact
from accounts.services import save_company, save_contact
from licensing.models import Product
from tests.accounts.factories import CompanyFactory

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("accounts", "licensing", "sales", "onboarding")
INJECTED_NAMES = ["Ana\r\nBcc: everyone@example.com", "Ana\nLima", "Ana\rLima", "Ana\u2028Lima"]


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def all_constraints():
    for model in apps.get_models():
        if model._meta.app_label in DOMAIN_APPS:
            for constraint in model._meta.constraints:
                yield model, constraint


def test_every_constraint_of_the_domain_says_a_sentence():
    for model, constraint in all_constraints():
        message = constraint.violation_error_message
        assert message and message != constraint.default_violation_error_message, (
            model,
            constraint.name,
        )
        assert constraint.name not in message and message.endswith("."), constraint.name


def test_a_violated_constraint_reads_as_a_sentence_on_full_clean():
    product = Product(code="tiny", name="Tiny", seat_block_size=0, currency="EUR")
    with pytest.raises(ValidationError) as refusal:
        product.validate_constraints()
    assert refusal.value.messages == ["The seat block size must be at least 1."]


def test_a_violated_constraint_reads_as_a_sentence_in_the_admin(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("admin:licensing_product_add"),
        {
            "code": "tiny",
            "name": "Tiny",
            "seat_block_size": "0",
            "billing_period": "year",
            "currency": "EUR",
            "price_tiers-TOTAL_FORMS": "1",
            "price_tiers-INITIAL_FORMS": "0",
            "price_tiers-MIN_NUM_FORMS": "1",
            "price_tiers-MAX_NUM_FORMS": "1000",
            "price_tiers-0-min_seats": "1",
            "price_tiers-0-unit_price": "10",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "At least 1 seat per block." in page and "Constraint" not in page
    assert not Product.objects.exists()


# Currencies


@pytest.mark.parametrize("currency", ["ZZZ", "€", "eur", "EURO", "XTS", ""])
def test_a_currency_is_an_iso_4217_code_on_the_model_and_the_api(admin, currency):
    with pytest.raises(ValidationError) as refusal:
        Product(code="p", name="P", seat_block_size=5, currency=currency).full_clean()
    assert "currency" in refusal.value.message_dict
    body = {
        "code": "p",
        "name": "P",
        "seat_block_size": 5,
        "currency": currency,
        "price_tiers": [{"min_seats": 1, "unit_price": "10.00"}],
    }
    response = api_as(admin).post("/api/v1/products/", body, format="json")
    assert response.status_code == 400 and "currency" in response.json()
    assert not Product.objects.exists()


def test_an_iso_4217_currency_is_accepted(admin):
    for currency in ("EUR", "USD", "JPY", "CHF"):
        Product(code="p", name="P", seat_block_size=5, currency=currency).full_clean()
    assert set(limits.CURRENCIES) >= {"EUR", "USD", "GBP", "JPY", "BHD"}
    assert not set(limits.CURRENCIES) & {"ZZZ", "XTS", "XXX", "HRK"}


# Countries and domains


def company_form(**fields):
    return {"name": "Acme", "industry": "retail", "domain": "acme.example", **fields}


@pytest.mark.parametrize("country", ["France", "Fr", "fr", "XX", "ZZ", "FRA"])
def test_the_company_form_takes_a_country_from_its_list_only(client, account_manager, country):
    client.force_login(account_manager)
    response = client.post(reverse("company_create"), company_form(country=country))
    assert response.status_code == 200 and 'id="id_country-errors"' in response.content.decode()
    assert not Company.objects.exists()


@pytest.mark.parametrize("country", ["XX", "ZZ", "Fr4nce", "Frankreich?"])
def test_the_api_refuses_what_is_not_a_country(account_manager, country):
    response = api_as(account_manager).post(
        "/api/v1/companies/", {"name": "Acme", "country": country}, format="json"
    )
    assert response.status_code == 400 and "country" in response.json()
    assert not Company.objects.exists()


@pytest.mark.parametrize("country", ["FR", "fr", "France"])
def test_the_api_reads_a_country_code_or_name_as_its_iso_3166_code(account_manager, country):
    response = api_as(account_manager).post(
        "/api/v1/companies/", {"name": "Acme", "country": country}, format="json"
    )
    assert response.status_code == 201 and response.json()["country"] == "FR"
    assert Company.objects.get().country == "FR"


def test_the_company_form_offers_the_list_of_countries(client, account_manager):
    client.force_login(account_manager)
    page = client.get(reverse("company_create")).content.decode()
    assert '<select name="country"' in page and '<option value="FR">France</option>' in page
    client.post(reverse("company_create"), company_form(country="FR"))
    company = Company.objects.get()
    assert company.country == "FR"
    page = client.get(reverse("company_detail", args=[company.pk])).content.decode()
    assert "· France" in page


def test_countries_cut_to_two_characters_are_migrated_to_codes_or_left_blank(account_manager):
    rows = {"Fr": "FR", "de": "DE", "XX": "", "": ""}
    for index, country in enumerate(rows):
        CompanyFactory(name=f"C{index}", owner=account_manager)
        Company.objects.filter(name=f"C{index}").update(
            country=country, domain=f"HTTPS://Www.C{index}.example/home"
        )
    migration = importlib.import_module(
        "accounts.migrations.0003_bounds_countries_and_single_line_names"
    )
    migration.clean_countries_and_domains(apps, None)

    for index, expected in enumerate(rows.values()):
        company = Company.objects.get(name=f"C{index}")
        assert (company.country, company.domain) == (expected, f"www.c{index}.example")


@pytest.mark.parametrize(
    "domain", ["https://acme.example", "acme.example/about", "acme", "acme .example", "-acme.io"]
)
def test_a_company_domain_is_a_domain_on_the_form_the_api_and_the_service(
    client, account_manager, domain
):
    client.force_login(account_manager)
    response = client.post(reverse("company_create"), company_form(domain=domain))
    assert "Enter a domain such as" in response.content.decode()
    response = api_as(account_manager).post(
        "/api/v1/companies/", {"name": "Acme", "domain": domain}, format="json"
    )
    assert response.status_code == 400 and "domain" in response.json()
    with pytest.raises(ValidationError):
        save_company(company=Company(name="Acme", domain=domain, owner=account_manager), actor=None)
    assert not Company.objects.exists()


# Names that go into email headers


@pytest.mark.parametrize("name", INJECTED_NAMES)
def test_a_contact_name_with_a_line_break_is_refused_on_every_path(
    client, account_manager, company, name
):
    client.force_login(account_manager)
    data = {"first_name": name, "last_name": "Lima", "email": "ana@client.example"}
    response = client.post(reverse("contact_create", args=[company.pk]), data)
    assert "Keep this on one line (no line breaks)." in response.content.decode()
    response = api_as(account_manager).post(
        "/api/v1/contacts/", {**data, "company": company.pk}, format="json"
    )
    assert response.json() == {"first_name": ["Keep this on one line (no line breaks)."]}
    with pytest.raises(ValidationError):
        save_contact(contact=Contact(company=company, **data), actor=account_manager)
    assert not company.contacts.filter(email="ana@client.example").exists()


@pytest.mark.parametrize("name", INJECTED_NAMES)
def test_a_company_name_with_a_line_break_is_refused(client, account_manager, name):
    client.force_login(account_manager)
    response = client.post(reverse("company_create"), company_form(name=name))
    assert "Keep this on one line" in response.content.decode()
    response = api_as(account_manager).post("/api/v1/companies/", {"name": name}, format="json")
    assert response.status_code == 400
    assert not Company.objects.exists()


def test_a_staff_name_with_a_line_break_is_refused_in_the_admin(client, admin, account_manager):
    client.force_login(admin)
    url = reverse("admin:auth_user_change", args=[account_manager.pk])
    response = client.post(
        url,
        {
            "username": account_manager.username,
            "first_name": "Am\r\nBcc: x@example.com",
            "last_name": "Smith",
            "email": account_manager.email,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 200
    assert "Keep this on one line" in response.content.decode()


# Digits


@pytest.mark.parametrize("digits", ["١٢", "１２", "۱۲", "12\u0663"])
def test_numbers_in_other_digits_than_ascii_are_refused_on_forms(
    client, account_manager, company, product, digits
):
    client.force_login(account_manager)
    response = client.post(reverse("company_create"), company_form(employee_count=digits))
    assert "Enter a number in the digits 0-9." in response.content.decode()
    response = client.post(
        reverse("trial_start", args=[company.pk]),
        {"product": product.pk, "seats": digits, "days": 30},
    )
    assert "Enter a number in the digits 0-9." in response.content.decode()
    assert not company.trials.exists()


@pytest.mark.parametrize("digits", ["١٢", "１２"])
def test_numbers_in_other_digits_than_ascii_are_refused_by_the_api_and_the_admin(
    client, admin, account_manager, company, product, digits
):
    response = api_as(account_manager).post(
        "/api/v1/trials/",
        {"company": company.pk, "product": product.pk, "seats": digits},
        format="json",
    )
    assert response.json() == {"seats": ["Enter a number in the digits 0-9."]}
    client.force_login(admin)
    response = client.post(
        reverse("admin:accounts_company_change", args=[company.pk]),
        {
            "name": company.name,
            "industry": company.industry,
            "owner": account_manager.pk,
            "employee_count": digits,
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        },
    )
    assert "Enter a number in the digits 0-9." in response.content.decode()
    company.refresh_from_db()
    assert company.employee_count == 200


def test_the_number_fields_of_every_admin_read_ascii_digits_only():
    from django.contrib import admin as django_admin

    from accounts.forms import DecimalField, IntegerField

    for model, model_admin in django_admin.site._registry.items():
        if model._meta.app_label in DOMAIN_APPS:
            overrides = model_admin.formfield_overrides
            assert overrides[models.IntegerField]["form_class"] is IntegerField, model
            assert overrides[models.DecimalField]["form_class"] is DecimalField, model
            for inline in model_admin.inlines:
                assert inline.formfield_overrides[models.IntegerField]["form_class"], inline


def test_a_price_tier_beyond_the_largest_unit_price_is_refused():
    with pytest.raises(ValidationError) as refusal:
        limits.check(limits.MAX_UNIT_PRICE + Decimal("0.01"), limits.UNIT_PRICE, "unit_price")
    assert refusal.value.message_dict == {
        "unit_price": ["At most 100,000.00 per seat and billing period."]
    }


def test_names_broken_over_lines_before_the_bound_are_joined_so_their_quotes_email(
    account_manager, company, product, mailoutbox, django_capture_on_commit_callbacks
):
    from sales.services import send_quote
    from tests.sales.factories import make_quote

    contact = company.contacts.get()
    Contact.objects.filter(pk=contact.pk).update(first_name="Ana\r\nMaria", last_name="Lima\n")
    Company.objects.filter(pk=company.pk).update(name="Acme\r\nGroup")
    migration = importlib.import_module(
        "accounts.migrations.0003_bounds_countries_and_single_line_names"
    )
    migration.join_broken_names(apps, None)

    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name) == ("Ana Maria", "Lima")
    assert Company.objects.get(pk=company.pk).name == "Acme Group"
    quote = make_quote(company=company, product=product, contact=contact)
    with django_capture_on_commit_callbacks(execute=True):
        send_quote(quote=quote, actor=account_manager)
    quote.refresh_from_db()
    assert quote.email_status == "sent", quote.email_error
    assert mailoutbox[0].to == [f"Ana Maria Lima <{contact.email}>"]


@pytest.mark.parametrize(
    "typed", ["FR12345678901", "fr 12 345 678 901", "DE-123.456.789", "EL123456789"]
)
def test_a_vat_number_in_the_eu_shape_is_accepted_and_stored_without_separators(typed):
    company = CompanyFactory.build(vat_number=typed)
    company.full_clean(exclude=["owner"])
    assert company.vat_number == typed.replace(" ", "").replace("-", "").replace(".", "").upper()


@pytest.mark.parametrize("typed", ["12345678", "F123", "FR1", "FR12345678901234567"])
def test_a_vat_number_without_its_country_letters_or_too_short_is_refused(typed):
    with pytest.raises(ValidationError, match="country's two letters"):
        CompanyFactory.build(vat_number=typed).full_clean(exclude=["owner"])
