"""Deleting a company with records is refused on every path; archiving is offered instead."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Company
from accounts.services import archive_company, delete_company, restore_company
from tests.accounts.factories import CompanyFactory, make_api_token
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db

REFUSAL = "has licenses and quotes on record and cannot be deleted. Archive it instead"


@pytest.fixture
def company_with_records(company, product):
    LicenseFactory(company=company, product=ProductFactory())  # new business is for another
    make_quote(company=company, product=product)
    return company


def _api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_api_token(user)}")
    return client


def test_deleting_a_company_with_records_is_refused_naming_them(company_with_records):
    with pytest.raises(ValidationError, match=REFUSAL):
        delete_company(company=company_with_records, actor=company_with_records.owner)
    assert Company.objects.filter(pk=company_with_records.pk).exists()


def test_a_company_with_only_a_trial_is_refused_too(company, product):
    TrialFactory(company=company, product=product)
    with pytest.raises(ValidationError, match="has trials on record"):
        delete_company(company=company, actor=company.owner)


def test_a_company_without_records_is_deleted_with_its_contacts(company):
    delete_company(company=company, actor=company.owner)
    assert not Company.objects.filter(pk=company.pk).exists()


def test_archiving_hides_a_company_from_the_list_until_restored(client, account_manager, company):
    archive_company(company=company, actor=account_manager)
    client.force_login(account_manager)
    url = reverse("company_list")

    assert company not in client.get(url).context["page"]
    assert company in client.get(url, {"archived": "include"}).context["page"]
    assert list(client.get(url, {"archived": "only"}).context["page"]) == [company]

    restore_company(company=company, actor=account_manager)
    assert company in client.get(url).context["page"]


def test_archiving_twice_is_refused(company):
    archive_company(company=company, actor=company.owner)
    with pytest.raises(ValidationError, match="archived already"):
        archive_company(company=company, actor=company.owner)


def test_the_delete_page_refuses_and_offers_archiving(
    client, account_manager, company_with_records
):
    client.force_login(account_manager)
    url = reverse("company_delete", args=[company_with_records.pk])

    page = client.get(url).content.decode()
    assert REFUSAL in page and "Archive " in page
    response = client.post(url)
    assert response.status_code == 409
    assert Company.objects.filter(pk=company_with_records.pk).exists()


def test_the_delete_page_deletes_a_company_without_records(client, account_manager, company):
    client.force_login(account_manager)
    response = client.post(reverse("company_delete", args=[company.pk]))
    assert response.url == reverse("company_list")
    assert not Company.objects.filter(pk=company.pk).exists()


def test_another_account_manager_may_not_delete_or_archive_a_company(
    client, other_account_manager, company
):
    client.force_login(other_account_manager)
    assert client.post(reverse("company_delete", args=[company.pk])).status_code == 403
    assert client.post(reverse("company_archive", args=[company.pk])).status_code == 403
    company.refresh_from_db()
    assert not company.is_archived


def test_the_archive_button_archives_and_restores(client, account_manager, company):
    client.force_login(account_manager)
    url = reverse("company_archive", args=[company.pk])
    client.post(url)
    company.refresh_from_db()
    assert company.is_archived
    client.post(url, {"restore": "1"})
    company.refresh_from_db()
    assert not company.is_archived


def test_the_api_answers_409_with_the_message_when_the_company_has_records(
    account_manager, company_with_records
):
    response = _api(account_manager).delete(f"/api/v1/companies/{company_with_records.pk}/")
    assert response.status_code == 409
    assert REFUSAL in response.json()["detail"]


def test_the_api_deletes_a_company_without_records(account_manager, company):
    assert _api(account_manager).delete(f"/api/v1/companies/{company.pk}/").status_code == 204


def test_the_api_archives_and_lists_archived_companies_only_when_asked(account_manager, company):
    client = _api(account_manager)
    other = CompanyFactory(owner=account_manager)
    response = client.post(f"/api/v1/companies/{company.pk}/archive/")
    assert response.status_code == 200 and response.json()["archived_at"]

    listed = [row["id"] for row in client.get("/api/v1/companies/").json()["results"]]
    assert listed == [other.pk]
    archived = client.get("/api/v1/companies/", {"archived": "true"}).json()["results"]
    assert [row["id"] for row in archived] == [company.pk]
    assert client.get(f"/api/v1/companies/{company.pk}/").status_code == 200
    assert client.post(f"/api/v1/companies/{company.pk}/archive/").status_code == 400


def test_the_admin_refuses_to_delete_a_company_with_records(client, admin, company_with_records):
    client.force_login(admin)
    url = reverse("admin:accounts_company_delete", args=[company_with_records.pk])

    response = client.post(url, {"post": "yes"}, follow=True)

    assert REFUSAL in response.content.decode()
    assert Company.objects.filter(pk=company_with_records.pk).exists()


def test_the_admin_bulk_delete_deletes_only_companies_without_records(
    client, admin, company_with_records
):
    empty = CompanyFactory()
    client.force_login(admin)
    client.post(
        reverse("admin:accounts_company_changelist"),
        {"action": "delete_companies", "_selected_action": [company_with_records.pk, empty.pk]},
    )
    assert list(Company.objects.all()) == [company_with_records]


def test_an_archived_company_is_not_offered_for_a_new_quote(client, account_manager, company):
    kept = CompanyFactory(owner=account_manager, name="Kept")
    archive_company(company=company, actor=account_manager)
    client.force_login(account_manager)
    response = client.get(reverse("quote_create"))
    assert list(response.context["companies"]) == [kept]
