import pytest

from accounts.lookups import array_literal
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import LicenseFactory

pytestmark = pytest.mark.django_db


def test_any_finds_the_rows_among_the_ids_of_one_parameter():
    first, second, third = CompanyFactory.create_batch(3)
    license = LicenseFactory(company=second)
    model = type(first)

    assert set(model.objects.filter(pk__any=[first.pk, third.pk, 10**12])) == {first, third}
    assert list(model.objects.filter(pk__any=[])) == []
    assert list(type(license).objects.filter(company_id__any=[second.pk])) == [license]
    assert list(type(license).objects.filter(company__any={second.pk})) == [license]


def test_an_array_is_written_as_postgresql_reads_it():
    assert array_literal([1, None, 3]) == "{1,NULL,3}"
    assert array_literal([]) == "{}"
