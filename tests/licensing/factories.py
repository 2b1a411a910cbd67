from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from licensing.models import License, PriceTier, Product, Trial
from tests.accounts.factories import CompanyFactory


class ProductFactory(factory.django.DjangoModelFactory):
    """A product with price tiers: tiers=[(min_seats, unit_price), ...]."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"product-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    seat_block_size = 5
    billing_period = "year"
    currency = "EUR"

    @factory.post_generation
    def tiers(product, create, extracted, **kwargs):
        for min_seats, unit_price in extracted or [(1, Decimal("40.00"))]:
            PriceTier.objects.create(product=product, min_seats=min_seats, unit_price=unit_price)


class TrialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trial

    company = factory.SubFactory(CompanyFactory)
    product = factory.SubFactory(ProductFactory)
    seats = 10
    # Running today unless told otherwise: a trial past its last day reads as expired.
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=28))
    starts_on = factory.LazyAttribute(
        lambda trial: (
            min(timezone.localdate(), trial.ends_on) - timedelta(days=29)
            if trial.ends_on < timezone.localdate()
            else timezone.localdate() - timedelta(days=1)
        )
    )


class LicenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = License

    company = factory.SubFactory(CompanyFactory)
    product = factory.SubFactory(ProductFactory)
    seats = 20
    unit_price = Decimal("40.00")
    starts_on = date(2026, 1, 1)
    ends_on = date(2026, 12, 31)
