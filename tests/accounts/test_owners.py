"""Only Administrators hand a company to another owner: one rule (accounts.services
.check_owner_change) that the form, the API and the admin all reach."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Company
from accounts.services import save_company
from tests.accounts.factories import CompanyFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api_client():
    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


def test_an_account_manager_cannot_hand_their_company_to_someone_else(
    company, account_manager, other_account_manager
):
    company.owner = other_account_manager
    with pytest.raises(PermissionDenied):
        save_company(company=company, actor=account_manager)
    assert Company.objects.get(pk=company.pk).owner == account_manager


def test_an_account_manager_cannot_create_a_company_owned_by_someone_else(
    account_manager, other_account_manager
):
    with pytest.raises(PermissionDenied):
        save_company(
            company=Company(name="Acme", owner=other_account_manager), actor=account_manager
        )
    assert not Company.objects.exists()


def test_an_administrator_hands_a_company_to_another_account_manager(
    company, admin, other_account_manager
):
    company.owner = other_account_manager
    save_company(company=company, actor=admin)
    assert Company.objects.get(pk=company.pk).owner == other_account_manager


def test_a_company_cannot_be_owned_by_support_or_finance(company, admin, support):
    company.owner = support
    with pytest.raises(ValidationError) as error:
        save_company(company=company, actor=admin)
    assert error.value.message_dict["owner"] == [
        "Choose an account manager or an Administrator as the owner."
    ]


def test_an_edit_that_keeps_the_owner_needs_no_administrator(company, account_manager):
    company.name = "Renamed"
    save_company(company=company, actor=account_manager)
    assert Company.objects.get(pk=company.pk).name == "Renamed"


@pytest.mark.parametrize(
    "role, owner, status, owned_by",
    [
        ("account_manager", "other_account_manager", 403, "account_manager"),
        ("account_manager", "support", 403, "account_manager"),
        ("account_manager", "account_manager", 200, "account_manager"),
        ("admin", "other_account_manager", 200, "other_account_manager"),
        ("admin", "finance", 400, "account_manager"),
    ],
)
def test_changing_the_owner_through_the_api_follows_the_rule(
    request, api_client, company, role, owner, status, owned_by
):
    client = api_client(request.getfixturevalue(role))
    new_owner = request.getfixturevalue(owner)

    response = client.patch(
        f"/api/v1/companies/{company.pk}/", {"owner": new_owner.pk}, format="json"
    )

    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    company.refresh_from_db()
    assert company.owner == request.getfixturevalue(owned_by)


def test_the_api_refuses_an_account_manager_creating_a_company_for_another(
    api_client, account_manager, other_account_manager
):
    response = api_client(account_manager).post(
        "/api/v1/companies/", {"name": "Acme", "owner": other_account_manager.pk}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Only Administrators hand a company to another owner."}
    assert not Company.objects.exists()


def test_the_company_form_offers_no_owner_to_an_account_manager_and_keeps_the_owner(
    client, company, account_manager, other_account_manager
):
    client.force_login(account_manager)
    response = client.post(
        reverse("company_edit", args=[company.pk]),
        {
            "name": "Renamed",
            "industry": "software",
            "country": "FR",
            "employee_count": 10,
            "owner": other_account_manager.pk,
        },
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.owner) == ("Renamed", account_manager)


def test_the_admin_site_moves_a_company_through_the_same_rule(client, admin, support):
    company = CompanyFactory(owner=admin, name="Acme")
    client.force_login(admin)
    response = client.post(
        reverse("admin:accounts_company_change", args=[company.pk]),
        {
            "name": "Acme",
            "domain": "",
            "industry": "software",
            "country": "FR",
            "employee_count": 10,
            "target_seats": 0,
            "owner": support.pk,
            "contacts-TOTAL_FORMS": 0,
            "contacts-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200  # the form again: support is not offered as an owner
    assert Company.objects.get(pk=company.pk).owner == admin
