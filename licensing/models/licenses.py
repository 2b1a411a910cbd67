"""Licenses: seats of a product sold to a company for a term, and their seat changes."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, FloatField, Min, Q, Subquery, Sum, When
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts import limits
from accounts.lists import HIGH_UTILISATION, LOW_UTILISATION, OVER_DEPLOYED, risk_share
from accounts.models import Company
from licensing import pricing
from licensing.models.products import (
    MONEY,
    Product,
    annual_value_expression,
    search_by_company_or_product,
)

# A license whose latest usage report is older than this is left out of the usage lists and
# figures: the feed stopped, and its old figures say nothing about today.
FRESH_DAYS = 7


def utilisation_band(band: str, *, prefix: str = "") -> Q:
    """The condition of a utilisation `band` (accounts.lists) on a UsageSummary (its fields
    reached through `prefix`, e.g. "usage_summary__"): below the renewal-risk threshold, at or
    above the expansion threshold, or more seats assigned than licensed. The one definition
    the license and company lists filter by. (active_share is a correctly rounded quotient,
    so comparing it with a whole percent ÷ 100 agrees with active × 100 against seats ×
    percent.)"""
    if band == LOW_UTILISATION:
        return Q(**{f"{prefix}active_share__lt": risk_share()})
    if band == HIGH_UTILISATION:
        return Q(**{f"{prefix}active_share__gte": settings.USAGE_EXPANSION_THRESHOLD / 100})
    if band == OVER_DEPLOYED:
        return Q(**{f"{prefix}assigned_seats__gt": F(f"{prefix}licensed_seats")})
    raise ValueError(f"Unknown utilisation band {band!r}")


class LicenseQuerySet(models.QuerySet):
    """Every read of "active" licenses (seats, ARR, customers, renewals due, reminders, company
    figures) goes through `active`, so a license counts from its start date on everywhere."""

    def search(self, text: str):
        """Licenses whose company or product name holds every word of `text`."""
        return search_by_company_or_product(self, text)

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

    def top_product_seats(self, company):
        """The seats of the most-licensed product of `company` (an OuterRef) among these
        licenses, as a subquery; NULL without any (see per_product)."""
        return Subquery(
            self.filter(company=company)
            .per_product()
            .order_by("-product_seats")
            .values("product_seats")[:1],
            output_field=models.IntegerField(),
        )

    def per_product_with_usage(self, today: date | None = None):
        """`per_product`, with the usage of the licenses that report it (a fresh
        UsageSummary): reporting_seats, their seats, and active_users, their users active
        in 30 days; utilisation = active_users / reporting_seats."""
        fresh = self._fresh_usage(today)
        return self.per_product().annotate(
            reporting_seats=Sum("seats", filter=fresh),
            active_users=Sum("usage_summary__active_users_30d", filter=fresh),
        )

    def _fresh_usage(self, today: date | None = None) -> Q:
        """The licenses whose latest usage report is recent (FRESH_DAYS): the only ones whose
        utilisation says something about today. A report's day falls within its license's
        term (the feed refuses any other), so such a license ends after the same day: said
        too, so that a list in the order of ends_on starts there instead of walking every
        license that ended before it (at 100,000 companies, 6,000 of them)."""
        since = (today or timezone.localdate()) - timedelta(days=FRESH_DAYS)
        return Q(usage_summary__day__gt=since, ends_on__gt=since)

    def with_utilisation(self, today: date | None = None):
        """Annotate utilisation (active users in 30 days ÷ the license's seats, a fraction,
        stored on its UsageSummary; None without a fresh report), assigned_seats and
        active_users: the one definition of a license's utilisation the lists sort, filter
        and show (pricing.utilisation in words)."""
        fresh = self._fresh_usage(today)
        return self.annotate(
            active_users=Case(When(fresh, then=F("usage_summary__active_users_30d"))),
            assigned_seats=Case(When(fresh, then=F("usage_summary__assigned_seats"))),
            utilisation=Case(
                When(fresh, then=F("usage_summary__active_share")), output_field=FloatField()
            ),
        )

    def in_utilisation_band(self, band: str, today: date | None = None):
        """Licenses with a fresh report in `band` (utilisation_band)."""
        return self.filter(
            self._fresh_usage(today), utilisation_band(band, prefix="usage_summary__")
        )

    def lowest_utilisation(self, today: date | None = None):
        """One row per company: lowest_utilisation, its least-used license's utilisation (a
        company's "utilisation" where one number must sort a list of companies)."""
        return (
            self.with_utilisation(today)
            .order_by()
            .values("company")
            .annotate(lowest_utilisation=Min("utilisation"))
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
            # The lists, and a search walking them in order: the company and product come
            # from the index, so the rows that do not match are never read.
            models.Index(
                fields=["ends_on", "id"], include=["company", "product"], name="license_ends_on_id"
            ),
            # The reminder sweep reads active rows by ends_on, from the index alone; so do the
            # pipeline's renewals due with their annual value (the columns included).
            models.Index(
                fields=["ends_on", "company"],
                condition=Q(status="active"),
                include=["id", "starts_on", "product", "seats", "unit_price"],
                name="license_active_ends_on",
            ),
        ]

    def __str__(self):
        return f"{self.product} × {self.seats} for {self.company}"

    def get_absolute_url(self):
        return reverse("license_detail", args=[self.pk])

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
