from datetime import timedelta

import pytest
from django.utils import timezone

from tests.licensing.factories import LicenseFactory


@pytest.fixture
def license(company, product):
    """A license of 50 seats in the middle of its year: reported on by the usage tests."""
    today = timezone.localdate()
    return LicenseFactory(
        company=company,
        product=product,
        seats=50,
        starts_on=today - timedelta(days=100),
        ends_on=today + timedelta(days=265),
    )
