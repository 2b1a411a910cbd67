"""Trials: a company tries a product for a while before buying."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts import limits
from accounts.models import Company
from licensing import pricing
from licensing.models.products import Product, search_by_company_or_product


class TrialQuerySet(models.QuerySet):
    def search(self, text: str):
        """Trials whose company or product name holds every word of `text`."""
        return search_by_company_or_product(self, text)

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
            # The lists, and a search walking them in order: the company and product come
            # from the index, so the rows that do not match are never read.
            models.Index(
                fields=["ends_on", "id"], include=["company", "product"], name="trial_ends_on_id"
            ),
            # The reminder sweep reads active rows by ends_on, from the index alone.
            models.Index(
                fields=["ends_on", "company"],
                condition=Q(status="active"),
                name="trial_active_ends_on",
            ),
        ]

    def __str__(self):
        return f"Trial of {self.product} for {self.company}"

    def get_absolute_url(self):
        return reverse("trial_detail", args=[self.pk])

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
