"""Audit history: who changed what and when, with old and new values, on every path."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient
from simple_history.models import HistoricalRecords

from accounts.history import changes_of
from accounts.models import Company, RoleChange
from accounts.roles import Role
from accounts.services import save_company
from licensing.models import License, PriceTier
from licensing.pricing import Tier
from licensing.services import add_seats, save_product
from onboarding.models import Task
from onboarding.services import start_onboarding
from sales import services
from sales.models import QuoteLine
from sales.pricing import LineInput
from tests.accounts.factories import ContactFactory, UserFactory, make_api_token
from tests.licensing.factories import LicenseFactory
from tests.onboarding.factories import ChecklistTemplateFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db


def _edit_company_through_the_page(client, company, **changes):
    data = {
        "name": company.name,
        "domain": company.domain,
        "industry": company.industry,
        "country": company.country,
        "employee_count": company.employee_count,
        "target_seats": company.target_seats,
        **changes,
    }
    return client.post(reverse("company_edit", args=[company.pk]), data)


def test_editing_a_company_through_the_page_records_who_and_the_old_and_new_values(
    client, account_manager, company
):
    client.force_login(account_manager)
    _edit_company_through_the_page(client, company, employee_count=250)

    latest = company.history.latest()
    assert latest.history_user == account_manager
    assert latest.history_type == "~"
    change = latest.diff_against(latest.prev_record).changes
    assert [(c.field, c.old, c.new) for c in change] == [("employee_count", 200, 250)]


def test_a_change_through_the_api_is_recorded_with_the_tokens_user(account_manager, company):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_api_token(account_manager)}")
    response = client.patch(
        f"/api/v1/companies/{company.pk}/", {"target_seats": 150}, format="json"
    )
    assert response.status_code == 200
    latest = company.history.latest()
    assert latest.history_user == account_manager
    assert latest.target_seats == 150


def test_the_company_page_shows_the_history_with_field_old_and_new_values(
    client, account_manager, company
):
    client.force_login(account_manager)
    _edit_company_through_the_page(client, company, employee_count=250)
    ContactFactory(company=company, first_name="Ada", last_name="Lovelace")

    page = client.get(reverse("company_detail", args=[company.pk])).content.decode()

    assert 'id="history-heading">History' in page
    assert "Employee count:</span> 200 → 250" in page
    assert "Contact Ada Lovelace created" in page


def test_the_company_page_takes_the_same_queries_with_1_or_20_changes(
    client, account_manager, company
):
    client.force_login(account_manager)
    url = reverse("company_detail", args=[company.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for headcount in range(201, 221):
        _edit_company_through_the_page(client, company, employee_count=headcount)
        ContactFactory(company=company)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_quote_page_shows_its_lines_history_in_a_constant_number_of_queries(
    client, account_manager, company, product
):
    client.force_login(account_manager)
    quote = make_quote(company=company, product=product, seats=12, actor=account_manager)
    url = reverse("quote_detail", args=[quote.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for seats in range(13, 23):
        quote = services.update_quote(
            quote=quote, actor=account_manager, lines=[LineInput(product, seats)]
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(few)
    assert "Line 1 created" in page
    assert QuoteLine.history.filter(quote_id=quote.pk, history_type="+").count() == 11


def test_the_license_page_shows_seat_changes_in_its_history(
    client, account_manager, company, product
):
    license = LicenseFactory(company=company, product=product, seats=10)
    add_seats(
        license=license,
        seats=5,
        effective_on=license.starts_on,
        prorated_amount=Decimal("100.00"),
        actor=account_manager,
    )
    client.force_login(account_manager)

    page = client.get(reverse("license_detail", args=[license.pk])).content.decode()

    assert "Seat change created" in page
    assert "10 → 15" in page
    assert License.history.filter(id=license.pk).count() == 2


def test_price_tiers_and_onboarding_tasks_written_in_bulk_have_their_history(
    company, product, support
):
    save_product(product=product, tiers=[Tier(1, Decimal("50.00")), Tier(10, Decimal("45.00"))])
    ChecklistTemplateFactory()
    license = LicenseFactory(company=company, product=product, seats=10)
    onboarding = start_onboarding(license=license, owner=support)

    created_tiers = PriceTier.history.filter(product_id=product.pk, history_type="+")
    assert created_tiers.count() == 3 + 2  # the fixture's three, then the two saved
    assert Task.history.filter(onboarding_id=onboarding.pk, history_type="+").count() == 4


def test_giving_and_taking_a_role_is_recorded_with_who_did_it(admin):
    user = UserFactory(username="newcomer")
    finance = Group.objects.get(name=Role.FINANCE)
    HistoricalRecords.context.request = RequestFactory().get("/")
    HistoricalRecords.context.request.user = admin
    try:
        user.groups.add(finance)
        user.groups.clear()
        finance.user_set.add(user)
    finally:
        del HistoricalRecords.context.request

    changes = list(RoleChange.objects.filter(user=user).order_by("id"))
    assert [(c.role, c.action, c.changed_by) for c in changes] == [
        (Role.FINANCE.value, "given", admin),
        (Role.FINANCE.value, "taken", admin),
        (Role.FINANCE.value, "given", admin),
    ]


def test_a_role_given_from_a_shell_is_recorded_without_an_actor(db):
    user = UserFactory(username="scripted", role=Role.SUPPORT)
    assert RoleChange.objects.get(user=user).changed_by is None


def test_an_administrator_sees_a_companys_history_in_the_admin(client, admin, company):
    client.force_login(admin)
    response = client.get(reverse("admin:accounts_company_history", args=[company.pk]))
    assert response.status_code == 200
    assert Company.history.filter(id=company.pk).exists()


def test_the_history_names_the_owner_instead_of_showing_an_id(
    client, admin, account_manager, other_account_manager, company
):
    company.owner = other_account_manager
    save_company(company=company, actor=admin)

    [handed, *_] = changes_of(Company.history.filter(id=company.pk))
    [owner] = [change for change in handed.fields if change.field == "Owner"]
    assert (owner.old, owner.new) == (
        account_manager.get_full_name(),
        other_account_manager.get_full_name(),
    )
    client.force_login(admin)
    page = client.get(reverse("company_detail", args=[company.pk])).content.decode()
    names = (escape(account_manager.get_full_name()), escape(other_account_manager.get_full_name()))
    assert "{} → {}".format(*names) in page
