"""The price book: products and their price tiers."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from accounts import limits
from licensing import pricing
from licensing.models import PriceTier, Product


@transaction.atomic
def save_product(*, product: Product, tiers: Sequence[pricing.Tier] | None = None) -> Product:
    """Validate and save a new or edited product; given `tiers`, they replace its price tiers."""
    product.full_clean()
    if tiers is not None:
        _check_tiers(tiers)
    product.save()
    if tiers is not None:
        product.price_tiers.all().delete()
        bulk_create_with_history(
            [
                PriceTier(product=product, min_seats=tier.min_seats, unit_price=tier.unit_price)
                for tier in tiers
            ],
            PriceTier,
        )
    return product


def _check_tiers(tiers: Sequence[pricing.Tier]) -> None:
    """Every seat count needs a price: the tiers start at 1 seat, each from a different count."""
    starts = sorted(tier.min_seats for tier in tiers)
    if not starts or starts[0] != 1:
        raise ValidationError({"price_tiers": "The first price tier must start at 1 seat."})
    if len(set(starts)) != len(starts):
        raise ValidationError({"price_tiers": "Two price tiers start at the same seat count."})
    if any(tier.unit_price is None or tier.unit_price < 0 for tier in tiers):
        raise ValidationError({"price_tiers": "A unit price cannot be negative."})
    for tier in tiers:
        limits.check(tier.min_seats, limits.SEATS, "price_tiers")
        limits.check(tier.unit_price, limits.UNIT_PRICE, "price_tiers")
