"""The whole role matrix of the API, one row per endpoint and action: who may do what.

An object the role may not see answers 404; an action the role may not take answers 403.
The company and everything on it belong to `account_manager`."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory
from tests.api.conftest import ROLES
from tests.licensing.factories import ProductFactory

AM, AM2, SUPPORT, FINANCE, ADMIN = ROLES
EVERYONE_READS = dict.fromkeys(ROLES, 200)


def owner_and_admin(success):
    return {AM: success, AM2: 403, SUPPORT: 403, FINANCE: 403, ADMIN: success}


def quote_owner_and_admin(success):
    """Support does not see quotes at all: 404 on a quote, not 403."""
    return {**owner_and_admin(success), SUPPORT: 404}


def new_company(world):
    return {"name": "Fresh Prospect", "industry": "retail", "employee_count": 50}


def new_contact(world):
    return {
        "company": world["company"].pk,
        "first_name": "Ada",
        "last_name": "L",
        "email": "a@x.example",
    }


def new_product(world):
    return {
        "code": "crm-plus",
        "name": "CRM Plus",
        "seat_block_size": 10,
        "billing_period": "month",
        "currency": "EUR",
        "price_tiers": [{"min_seats": 1, "unit_price": "9.00"}],
    }


def new_trial(world):
    # Another product: the company already runs a trial of world["product"].
    return {"company": world["company"].pk, "product": ProductFactory().pk, "seats": 10}


def new_quote(world):
    return {
        "company": world["company"].pk,
        "contact": world["company"].contacts.get().pk,
        "lines": [{"product": world["product"].pk, "requested_seats": 12}],
    }


MATRIX = [
    ("list companies", "get", "companies/", None, EVERYONE_READS),
    ("read a company", "get", "companies/{company}/", None, EVERYONE_READS),
    (
        "create a company",
        "post",
        "companies/",
        new_company,
        {AM: 201, AM2: 201, SUPPORT: 403, FINANCE: 403, ADMIN: 201},
    ),
    (
        "edit a company",
        "patch",
        "companies/{company}/",
        lambda w: {"target_seats": 90},
        owner_and_admin(200),
    ),
    ("list contacts", "get", "contacts/", None, EVERYONE_READS),
    ("read a contact", "get", "contacts/{contact}/", None, EVERYONE_READS),
    ("add a contact", "post", "contacts/", new_contact, owner_and_admin(201)),
    (
        "edit a contact",
        "patch",
        "contacts/{contact}/",
        lambda w: {"is_champion": True},
        owner_and_admin(200),
    ),
    ("list products", "get", "products/", None, EVERYONE_READS),
    ("read a product", "get", "products/{product}/", None, EVERYONE_READS),
    (
        "create a product",
        "post",
        "products/",
        new_product,
        {AM: 403, AM2: 403, SUPPORT: 403, FINANCE: 201, ADMIN: 201},
    ),
    (
        "edit a product",
        "patch",
        "products/{product}/",
        lambda w: {"active": False},
        {AM: 403, AM2: 403, SUPPORT: 403, FINANCE: 200, ADMIN: 200},
    ),
    ("list trials", "get", "trials/", None, EVERYONE_READS),
    ("read a trial", "get", "trials/{trial}/", None, EVERYONE_READS),
    ("start a trial", "post", "trials/", new_trial, owner_and_admin(201)),
    (
        "extend a trial",
        "post",
        "trials/{trial}/extend/",
        lambda w: {"days": 7},
        owner_and_admin(200),
    ),
    ("cancel a trial", "post", "trials/{trial}/cancel/", None, owner_and_admin(200)),
    ("convert a trial", "post", "trials/{trial}/convert/", None, owner_and_admin(201)),
    ("list licenses", "get", "licenses/", None, EVERYONE_READS),
    ("read a license", "get", "licenses/{license}/", None, EVERYONE_READS),
    (
        "add seats",
        "post",
        "licenses/{license}/add-seats/",
        lambda w: {"seats": 5},
        owner_and_admin(201),
    ),
    ("renew a license", "post", "licenses/{license}/renew/", None, owner_and_admin(201)),
    ("list quotes", "get", "quotes/", None, {**EVERYONE_READS, SUPPORT: 403}),
    ("read a quote", "get", "quotes/{draft_quote}/", None, {**EVERYONE_READS, SUPPORT: 404}),
    ("create a quote", "post", "quotes/", new_quote, owner_and_admin(201)),
    (
        "edit a quote",
        "patch",
        "quotes/{draft_quote}/",
        lambda w: {"notes": "Hi"},
        quote_owner_and_admin(200),
    ),
    ("send a quote", "post", "quotes/{draft_quote}/send/", None, quote_owner_and_admin(200)),
    ("accept a quote", "post", "quotes/{sent_quote}/accept/", None, quote_owner_and_admin(200)),
    ("decline a quote", "post", "quotes/{sent_quote}/decline/", None, quote_owner_and_admin(200)),
    ("revise a quote", "post", "quotes/{sent_quote}/revise/", None, quote_owner_and_admin(201)),
]

CASES = [
    pytest.param(
        role, method, path, payload, expected[role], id=f"{role} may {name}: {expected[role]}"
    )
    for name, method, path, payload, expected in MATRIX
    for role in ROLES
]


@pytest.fixture
def world(company, product, trial, license, draft_quote, sent_quote):
    return {
        "company": company,
        "contact": company.contacts.get(),
        "product": product,
        "trial": trial,
        "license": license,
        "draft_quote": draft_quote,
        "sent_quote": sent_quote,
    }


@pytest.mark.parametrize("role, method, path, payload, expected", CASES)
def test_each_role_gets_what_the_role_table_says(
    request, api_client, world, role, method, path, payload, expected
):
    user = request.getfixturevalue(role)
    url = "/api/v1/" + path.format(**{name: obj.pk for name, obj in world.items()})
    response = getattr(api_client(user), method)(
        url, payload(world) if payload else None, format="json"
    )
    assert response.status_code == expected, response.content


@pytest.mark.parametrize(
    "method, path, payload, expected", [case.values[1:] for case in CASES[::5]]
)
def test_without_credentials_every_endpoint_answers_401(
    api_client, world, method, path, payload, expected
):
    url = "/api/v1/" + path.format(**{name: obj.pk for name, obj in world.items()})
    response = getattr(api_client(None), method)(url, {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_user_without_a_role_sees_no_quote_and_may_create_nothing(api_client, world):
    client = api_client(UserFactory(username="nobody"))
    assert client.get(f"/api/v1/quotes/{world['draft_quote'].pk}/").status_code == 404
    assert client.post("/api/v1/companies/", {"name": "X"}, format="json").status_code == 403
    assert client.get("/api/v1/companies/").status_code == 403


def test_a_browser_session_works_like_a_token(client, account_manager, world):
    client.force_login(account_manager)
    response = client.post(
        f"/api/v1/trials/{world['trial'].pk}/extend/", {"days": 1}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["ends_on"] == (world["trial"].ends_on + timedelta(days=1)).isoformat()


def test_a_token_made_with_create_api_token_signs_a_script_in(account_manager, capsys):
    call_command("create_api_token", account_manager.username, name="BI export")
    key = capsys.readouterr().out.strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert client.get("/api/v1/quotes/").status_code == 200


def test_the_api_root_lists_every_resource(api_client, support):
    response = api_client(support).get("/api/v1/")

    assert {"companies", "contacts", "products", "trials", "licenses", "quotes"} <= set(
        response.json()
    )
