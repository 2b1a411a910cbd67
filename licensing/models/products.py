"""The price book: products, their billing period and price tiers."""

from django.db import models
from django.db.models import Case, F, Q, Value, When
from simple_history.models import HistoricalRecords

from accounts import limits
from accounts.models import Company
from licensing import pricing

MONEY = {"max_digits": 14, "decimal_places": 2}


class BillingPeriod(models.TextChoices):
    MONTH = "month", "per month"
    YEAR = "year", "per year"


MONTHS_PER_PERIOD = {BillingPeriod.MONTH: 1, BillingPeriod.YEAR: 12}


def annual_value_expression(prefix: str = ""):
    """seats x unit price x billing periods per year, as a database expression."""
    periods_per_year = Case(
        When(**{f"{prefix}product__billing_period": BillingPeriod.MONTH}, then=Value(12)),
        default=Value(1),
    )
    return models.ExpressionWrapper(
        F(f"{prefix}seats") * F(f"{prefix}unit_price") * periods_per_year,
        output_field=models.DecimalField(max_digits=18, decimal_places=2),
    )


def search_by_company_or_product(rows: models.QuerySet, text: str) -> models.QuerySet:
    """The `rows` (licenses, trials) matching every word of `text` by their company (as the
    company search finds it: name, domain, a contact's name or email) or their product's
    name. Each word asks whether the row's company is among the companies its search
    document finds, or its product among the products so named: two id lists that
    PostgreSQL reads once each through their indexes and hashes, then tests row by row
    while it reads the rows, so that the first matches come without reading every match
    (first_matches); never an OR across two joins, which joins every row to its company."""
    for word in text.split():
        companies = Company.objects.search(word).values("pk")
        products = Product.objects.filter(name__icontains=word).values("pk")
        rows = rows.filter(Q(company__in=companies) | Q(product__in=products))
    return rows


class ProductQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def with_tiers(self):
        return self.prefetch_related("price_tiers")


class Product(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, validators=[limits.SINGLE_LINE])
    description = models.TextField(
        blank=True,
        max_length=limits.TEXT_NOTES,
        validators=[limits.text_of_at_most(limits.TEXT_NOTES)],
    )
    seat_block_size = models.PositiveIntegerField(
        default=5,
        validators=limits.SEAT_BLOCK_SIZE,
        help_text="Seats are sold in whole blocks of this size (usually 5 or 10).",
    )
    billing_period = models.CharField(
        max_length=10, choices=BillingPeriod.choices, default=BillingPeriod.YEAR
    )
    currency = models.CharField(
        max_length=3,
        default="EUR",
        choices=limits.CURRENCY_CHOICES,
        validators=limits.CURRENCY,
        help_text="ISO 4217 code, e.g. EUR",
    )
    active = models.BooleanField(default=True)

    objects = ProductQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seat_block_size__gt=0),
                name="product_block_size_positive",
                violation_error_message="The seat block size must be at least 1.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def months_per_period(self) -> int:
        return MONTHS_PER_PERIOD[self.billing_period]

    def tiers(self) -> list[pricing.Tier]:
        """The price tiers as pricing values (uses the prefetched tiers when present)."""
        return [pricing.Tier(t.min_seats, t.unit_price) for t in self.price_tiers.all()]


class PriceTier(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="price_tiers")
    min_seats = models.PositiveIntegerField(
        validators=limits.SEATS, help_text="This price applies from this many seats."
    )
    unit_price = models.DecimalField(
        **MONEY, validators=limits.UNIT_PRICE, help_text="Per seat per billing period"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["product", "min_seats"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "min_seats"],
                name="price_tier_unique_min_seats",
                violation_error_message="This product already has a tier from this many seats.",
            ),
            models.CheckConstraint(
                condition=Q(min_seats__gt=0),
                name="price_tier_min_positive",
                violation_error_message="A price tier starts from at least 1 seat.",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="price_tier_price_not_negative",
                violation_error_message="A unit price cannot be negative.",
            ),
        ]

    def __str__(self):
        return f"{self.product} from {self.min_seats} seats: {self.unit_price}"
