"""accounts.bulk: COPY on PostgreSQL, bulk_create on SQLite; both run here."""

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.bulk import (
    foreign_keys_checked_once,
    gin_indexes_filled_in_bulk,
    indexes_built_once,
    insert_rows,
)
from accounts.models import Company, Contact
from tests.accounts.factories import CompanyFactory

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="foreign keys are dropped on PostgreSQL only"
)


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


def foreign_keys() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [Contact._meta.db_table],
        )
        return set(cursor.fetchall())


@postgresql_only
def test_foreign_keys_dropped_for_a_bulk_write_come_back_as_they_were(company):
    before, contacts = foreign_keys(), company.contacts.count()

    with foreign_keys_checked_once(Company, Contact):
        assert foreign_keys() == set()
        insert_rows(Contact, [contact(company, 1)])

    assert foreign_keys() == before and company.contacts.count() == contacts + 1


@postgresql_only
def test_a_row_pointing_nowhere_refuses_the_whole_bulk_write(company):
    before, stray = company.contacts.count(), contact(company, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        with foreign_keys_checked_once(Contact):
            insert_rows(Contact, [contact(company, 2), stray])
            Contact.objects.filter(pk=stray.pk).update(company_id=company.pk + 10_000)
    assert company.contacts.count() == before


def gin_pending_lists() -> dict[str, str]:
    """Each search (GIN) index of the contacts with its fastupdate option."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT class.relname, array_to_string(class.reloptions, ',') FROM pg_index index "
            "JOIN pg_class class ON class.oid = index.indexrelid "
            "JOIN pg_am method ON method.oid = class.relam "
            "WHERE index.indrelid = 'accounts_contact'::regclass AND method.amname = 'gin'"
        )
        return dict(cursor.fetchall())


@postgresql_only
def test_a_bulk_write_fills_the_search_indexes_in_one_pass_and_leaves_them_as_they_were(company):
    before = gin_pending_lists()

    with gin_indexes_filled_in_bulk(Contact):
        assert set(gin_pending_lists().values()) == {"fastupdate=on"}
        insert_rows(Contact, [contact(company, number) for number in range(50)])

    assert before and set(before.values()) == {"fastupdate=off"}
    assert gin_pending_lists() == before
    assert Contact.objects.filter(last_name__icontains="lovelace 49").count() == 1


def indexes() -> set[tuple[str, str]]:
    """Each index of the contacts (unique constraints' included) with its definition."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s",
            [Contact._meta.db_table],
        )
        return set(cursor.fetchall())


@postgresql_only
def test_indexes_dropped_for_a_bulk_write_are_built_again_as_they_were(company):
    before = indexes()

    with indexes_built_once(Contact):
        assert {name for name, _ in indexes()} == {"accounts_contact_pkey"}
        insert_rows(Contact, [contact(company, number) for number in range(50)])

    assert len(before) > 3 and indexes() == before
    assert Contact.objects.filter(last_name__icontains="lovelace 49").count() == 1


@postgresql_only
def test_a_duplicate_refuses_the_whole_bulk_write_when_its_constraint_comes_back(company):
    before, count = indexes(), company.contacts.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        with indexes_built_once(Contact):
            insert_rows(Contact, [contact(company, 1, is_primary=True)])
            insert_rows(Contact, [contact(company, 2, is_primary=True)])
    assert company.contacts.count() == count and indexes() == before
