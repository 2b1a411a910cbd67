"""Seat usage: what the vendor's product reports per license and day."""

from datetime import date, timedelta

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts import limits
from licensing.models.licenses import License


class UsageRecordQuerySet(models.QuerySet):
    def of_license(self, license: License, *, days: int, today: date | None = None):
        """The license's usage over the last `days` days up to `today`, oldest first."""
        today = today or timezone.localdate()
        return self.filter(
            license=license, day__gt=today - timedelta(days=days), day__lte=today
        ).order_by("day")


class UsageRecord(models.Model):
    """One license's usage on one day: seats assigned to users and users active in the last
    30 (and 7) days. At most one per (license, day): a later report of the day replaces it."""

    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="usage_records")
    day = models.DateField()
    assigned_seats = models.PositiveIntegerField(validators=limits.USAGE_COUNT)
    active_users_30d = models.PositiveIntegerField(validators=limits.USAGE_COUNT)
    active_users_7d = models.PositiveIntegerField(
        null=True, blank=True, validators=limits.USAGE_COUNT
    )
    received_at = models.DateTimeField(default=timezone.now)

    objects = UsageRecordQuerySet.as_manager()

    class Meta:
        ordering = ["license", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["license", "day"],
                name="usage_once_per_license_and_day",
                violation_error_message="This license already has usage for this day.",
            ),
            models.CheckConstraint(
                condition=Q(active_users_30d__lte=F("assigned_seats")),
                name="usage_active_within_assigned",
                violation_error_message="Active users cannot outnumber the assigned seats.",
            ),
            models.CheckConstraint(
                condition=Q(active_users_7d__isnull=True)
                | Q(active_users_7d__lte=F("active_users_30d")),
                name="usage_week_within_month",
                violation_error_message=(
                    "Users active in 7 days cannot outnumber those active in 30 days."
                ),
            ),
        ]
        # Book-wide figures read one day across every license.
        indexes = [models.Index(fields=["day"], name="usage_day")]

    def __str__(self):
        return f"{self.license_id} on {self.day}: {self.active_users_30d}/{self.assigned_seats}"
