from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from accounts.models import Company, CompanyStatus, Contact
from accounts.roles import Role
from accounts.services import save_contact
from tests.accounts.factories import CompanyFactory, ContactFactory
from tests.licensing.factories import LicenseFactory, TrialFactory

pytestmark = pytest.mark.django_db


def test_the_four_role_groups_exist_after_migrating():
    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}
    finance = Group.objects.get(name=Role.FINANCE)
    assert finance.permissions.filter(codename="change_pricetier").exists()
    assert not finance.permissions.filter(codename="change_quote").exists()


def test_a_contact_email_is_unique_within_its_company_whatever_the_case(account_manager):
    contact = ContactFactory(email="ann@client.example")
    duplicate = Contact(
        company=contact.company, first_name="Ann", last_name="Bis", email="ANN@client.example"
    )
    with pytest.raises(ValidationError, match="already has a contact with this email"):
        save_contact(contact=duplicate, actor=account_manager)
    ContactFactory(email="ann@client.example")  # another company: allowed


def test_making_a_contact_primary_moves_the_flag(account_manager):
    first = ContactFactory(is_primary=True)
    second = ContactFactory(company=first.company)
    second.is_primary = True
    save_contact(contact=second, actor=account_manager)
    first.refresh_from_db()
    assert not first.is_primary
    assert first.company.contacts.get(is_primary=True) == second


def test_company_status_and_seats_follow_trials_and_licenses():
    prospect = CompanyFactory()
    in_trial = CompanyFactory()
    TrialFactory(company=in_trial)
    customer = CompanyFactory()
    LicenseFactory(company=customer, seats=20, unit_price=Decimal("40.00"))
    LicenseFactory(
        company=customer, seats=10, unit_price=Decimal("4.50"), product__billing_period="month"
    )
    LicenseFactory(company=customer, seats=50, status="expired")
    churned = CompanyFactory()
    LicenseFactory(company=churned, status="cancelled")

    rows = {c.pk: c for c in Company.objects.with_status().with_seats()}
    assert rows[prospect.pk].status == CompanyStatus.PROSPECT
    assert rows[in_trial.pk].status == CompanyStatus.TRIAL
    assert rows[customer.pk].status == CompanyStatus.CUSTOMER
    assert rows[churned.pk].status == CompanyStatus.CHURNED
    assert rows[customer.pk].licensed_seats == 30
    assert rows[customer.pk].annual_value == Decimal("1340.00")  # 20 x 40 + 10 x 4.50 x 12
    assert (rows[prospect.pk].licensed_seats, rows[prospect.pk].annual_value) == (0, Decimal("0"))
