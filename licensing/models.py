from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Q, Sum, Value, When
from django.utils import timezone
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


class TrialQuerySet(models.QuerySet):
    def active(self, today: date | None = None):
        """Trials running on `today` (default today): active and not past their last day. A
        trial whose last day has passed is expired, whether a sweep has marked it or not;
        every read of "active trials" goes through here."""
        return self.filter(status=Trial.Status.ACTIVE, ends_on__gte=today or timezone.localdate())

    def ending_within(self, days: int, today: date):
        return self.active(today).filter(ends_on__lte=today + timedelta(days=days))


class Trial(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CONVERTED = "converted", "Converted"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="trials")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="trials")
    seats = models.PositiveIntegerField(validators=limits.SEATS)
    starts_on = models.DateField(validators=limits.DATE)
    ends_on = models.DateField(validators=limits.DATE, help_text="Last day of the trial")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    times_extended = models.PositiveSmallIntegerField(default=0)
    converted_license = models.OneToOneField(
        "License", null=True, blank=True, on_delete=models.PROTECT, related_name="trial"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="Converted, expired or cancelled at"
    )

    objects = TrialQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["ends_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats__gt=0, seats__lte=limits.MAX_SEATS),
                name="trial_seats_within_bounds",
                violation_error_message=f"A trial has 1 to {limits.MAX_SEATS:,} seats.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="trial_ends_after_start",
                violation_error_message="A trial cannot end before it starts.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "ends_on"]),
            # The reminder sweep reads active rows by ends_on, from the index alone.
            models.Index(
                fields=["ends_on", "company"],
                condition=Q(status="active"),
                name="trial_active_ends_on",
            ),
        ]

    def __str__(self):
        return f"Trial of {self.product} for {self.company}"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "A trial cannot end before it starts."})
        # A new trial; extensions (each bounded by itself) may take it further afterwards.
        if (
            self._state.adding
            and self.starts_on
            and self.ends_on
            and pricing.term_days(self.starts_on, self.ends_on) > limits.MAX_TRIAL_DAYS
        ):
            raise ValidationError(
                {
                    "ends_on": f"A trial lasts at most {limits.MAX_TRIAL_DAYS} days in all, extensions included."
                }
            )

    def days_left(self, today: date) -> int:
        return max((self.ends_on - today).days, 0)

    def state(self, today: date | None = None) -> str:
        """The status as every read sees it (see TrialQuerySet.active): an active trial whose
        last day has passed is expired."""
        today = today or timezone.localdate()
        if self.status == self.Status.ACTIVE and self.ends_on < today:
            return self.Status.EXPIRED
        return self.status

    def state_display(self, today: date | None = None) -> str:
        return self.Status(self.state(today)).label


class LicenseQuerySet(models.QuerySet):
    """Every read of "active" licenses (seats, ARR, customers, renewals due, reminders, company
    figures) goes through `active`, so a license counts from its start date on everywhere."""

    def active(self, today: date | None = None):
        """Licenses in force on `today` (default today): started, and either active or renewed
        while their own term still runs (the renewal counts from its start, the day after).
        An active license whose start is still to come is scheduled (see `scheduled`)."""
        today = today or timezone.localdate()
        return self.filter(
            Q(status=License.Status.ACTIVE) | Q(status=License.Status.RENEWED, ends_on__gte=today),
            starts_on__lte=today,
        )

    def scheduled(self, today: date | None = None):
        """Active licenses whose term starts after `today`: sold, not yet counted."""
        return self.filter(
            status=License.Status.ACTIVE, starts_on__gt=today or timezone.localdate()
        )

    def held(self, today: date | None = None):
        """What the company holds: licenses in force or scheduled."""
        return self.active(today) | self.scheduled(today)

    def awaiting_renewal(self, today: date | None = None):
        """Licenses in force on `today` with no renewal yet."""
        return self.active(today).filter(status=License.Status.ACTIVE)

    def renewals_due_within(self, days: int, today: date):
        """Licenses in force whose term ends within `days` days and that have no renewal yet."""
        return self.awaiting_renewal(today).filter(
            ends_on__gte=today, ends_on__lte=today + timedelta(days=days)
        )

    def per_company(self):
        """One row per company: total_seats and total_value (annual value) of these licenses."""
        return (
            self.order_by()
            .values("company")
            .annotate(total_seats=Sum("seats"), total_value=Sum(annual_value_expression()))
        )

    def per_product(self):
        """One row per company and product: product_seats, the seats of that product. Seat
        penetration of a product = its seats / the company's headcount: a second product is
        not more users, so figures never add seats of different products."""
        return (
            self.order_by()
            .values("company", "product", "product__name")
            .annotate(product_seats=Sum("seats"))
        )


class License(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        RENEWED = "renewed", "Renewed"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="licenses")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="licenses")
    seats = models.PositiveIntegerField(validators=limits.SEATS_PER_LICENSE)
    unit_price = models.DecimalField(
        **MONEY,
        validators=limits.UNIT_PRICE,
        help_text="Per seat per billing period, locked at sale",
    )
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="Last day of the term")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    renews = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewal"
    )
    cancelled_on = models.DateField(null=True, blank=True)
    live_on = models.DateField(
        null=True, blank=True, help_text="Go-live date, recorded when onboarding goes live"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LicenseQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["ends_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats__gt=0, seats__lte=limits.MAX_SEATS),
                name="license_seats_within_bounds",
                violation_error_message=f"A license has 1 to {limits.MAX_SEATS:,} seats.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="license_ends_after_start",
                violation_error_message="The term must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="license_price_not_negative",
                violation_error_message="The unit price cannot be negative.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "ends_on"]),
            # The reminder sweep reads active rows by ends_on, from the index alone.
            models.Index(
                fields=["ends_on", "company"],
                condition=Q(status="active"),
                name="license_active_ends_on",
            ),
        ]

    def __str__(self):
        return f"{self.product} × {self.seats} for {self.company}"

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            errors["ends_on"] = "The term must end after it starts."
        if self.seats and self.product_id and self.seats % self.product.seat_block_size:
            errors["seats"] = (
                f"Seats must be whole blocks of {self.product.seat_block_size}; {self.seats} is not."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def currency(self) -> str:
        return self.product.currency

    @property
    def annual_value(self) -> Decimal:
        periods_per_year = 12 // self.product.months_per_period
        return pricing.quantize(self.seats * self.unit_price * periods_per_year, self.currency)

    @property
    def term_days(self) -> int:
        return pricing.term_days(self.starts_on, self.ends_on)

    def state(self, today: date | None = None) -> str:
        """The status as every read sees it (see LicenseQuerySet.active): an active license
        whose start is still to come is "scheduled"."""
        if self.status == self.Status.ACTIVE and self.starts_on > (today or timezone.localdate()):
            return SCHEDULED
        return self.status

    def is_scheduled(self, today: date | None = None) -> bool:
        return self.state(today) == SCHEDULED


SCHEDULED = "scheduled"
LICENSE_STATES = [(SCHEDULED, "Scheduled"), *License.Status.choices]


class SeatChange(models.Model):
    """Seats added to (or removed from) a license mid-term, co-termed to its end."""

    license = models.ForeignKey(License, on_delete=models.PROTECT, related_name="seat_changes")
    delta = models.IntegerField()
    seats_after = models.PositiveIntegerField()
    effective_on = models.DateField()
    prorated_amount = models.DecimalField(**MONEY, default=Decimal("0.00"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["effective_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(delta=0),
                name="seat_change_not_zero",
                violation_error_message="A seat change adds or removes at least one seat.",
            ),
            models.CheckConstraint(
                condition=Q(prorated_amount__gte=0),
                name="seat_change_amount_not_negative",
                violation_error_message="The prorated amount cannot be negative.",
            ),
        ]

    def __str__(self):
        return f"{self.delta:+d} seats on {self.license} from {self.effective_on}"


class ReminderQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Reminder.Status.PENDING)


class Reminder(models.Model):
    """One reminder email, sent at most once: the key is (subject, kind, offset). `subject`
    names what it is about, e.g. "trial:12:2026-11-30" (the trial and the end it announces) or
    "user:5:2026-11-26" for a daily digest."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (no longer due)"

    subject = models.CharField(max_length=100)
    kind = models.CharField(max_length=40)
    offset = models.SmallIntegerField(help_text="Days before the end it announces")
    due_on = models.DateField(help_text="The day it fell due")
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-due_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "kind", "offset"],
                name="reminder_once_per_subject_kind_offset",
                violation_error_message="This reminder has already been recorded.",
            ),
        ]
        # The sweep finds the reminders left pending by a lost task.
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="reminder_pending_created_at",
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.subject} ({self.offset} days)"


class ReminderSweep(models.Model):
    """A day a reminder sweep ran for: the next sweep looks back to the day after it."""

    name = models.CharField(max_length=40)
    swept_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["name", "swept_on"],
                name="reminder_sweep_once_a_day",
                violation_error_message="This sweep has already run for this day.",
            )
        ]

    def __str__(self):
        return f"{self.name} sweep of {self.swept_on}"
