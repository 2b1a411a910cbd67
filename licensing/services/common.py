"""Checks and helpers that trials and licenses share."""

from django.core.exceptions import ValidationError

from accounts import limits
from accounts.models import Company
from licensing.models import License, Product


def _positive_seats(seats: int, per: str = "") -> None:
    limits.check_seats(seats, per=per)


def _whole_blocks(seats: int, product: Product) -> None:
    _positive_seats(seats, per="license")
    if seats % product.seat_block_size:
        raise ValidationError(
            {"seats": f"Seats must be whole blocks of {product.seat_block_size}; {seats} is not."}
        )


def _locked(model, instance):
    """Reload a row under a lock so concurrent actions see each other's writes."""
    return model.objects.select_for_update().get(pk=instance.pk)


def check_product_not_held(*, company: Company, product: Product, field: str = "product"):
    """Refuse a second license, or a trial, of a product the company already holds: more
    seats go on that license (an expansion, co-termed) and the next term is its renewal."""
    check_products_not_held(company=company, products=[product], field=field)


def check_products_not_held(*, company: Company, products, field: str = "product"):
    """The same for several products (or their ids) at once, in one query."""
    held = (
        License.objects.held()
        .filter(company=company, product__in=products)
        .select_related("product")
        .order_by("starts_on", "pk")
    ).first()
    if held is not None:
        raise ValidationError(
            {
                field: f"{company} already licenses {held.product} ({held.seats} seats, "
                f"{held.starts_on} to {held.ends_on}): add seats to that license or renew it "
                "instead of starting a second one."
            }
        )
