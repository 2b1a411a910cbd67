"""accounts.bulk: COPY on PostgreSQL, bulk_create on SQLite; both run here."""

import pytest
from django.db import IntegrityError, transaction

from accounts.bulk import insert_rows
from accounts.models import Company, Contact
from tests.accounts.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def contact(company, number, **fields):
    return Contact(
        company=company,
        first_name="Ada",
        last_name=f"Lovelace {number}",
        email=f"ada{number}@{company.domain}",
        **fields,
    )


def test_inserted_rows_get_their_keys_and_point_at_rows_inserted_before(account_manager):
    company = CompanyFactory.build(owner=account_manager, country="SE")
    contacts = [contact(company, number, is_primary=number == 0) for number in range(3)]

    insert_rows(Company, [company])
    insert_rows(Contact, contacts)

    saved = Company.objects.get(pk=company.pk)
    assert saved.country.code == "SE" and saved.created_at is not None
    assert saved.industry == company.industry
    assert sorted(saved.contacts.values_list("pk", flat=True)) == [each.pk for each in contacts]
    assert saved.contacts.get(is_primary=True).pk == contacts[0].pk
    # The table's own key sequence moved on: a row saved afterwards takes a new key.
    assert CompanyFactory(owner=account_manager).pk > company.pk


def test_rows_breaking_a_constraint_are_refused_all_together(company):
    before = company.contacts.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Contact, [contact(company, 1), contact(company, 2, is_primary=True)])
    assert company.contacts.count() == before
