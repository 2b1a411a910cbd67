"""Seat usage: what the vendor's product reports per license and day."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, FloatField, Q
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils import timezone

from accounts import limits
from accounts.models import Company
from licensing import pricing
from licensing.models.licenses import FRESH_DAYS, License

# The license page shows this many days of usage; its trend compares now with TREND_DAYS ago.
HISTORY_DAYS = 90
TREND_DAYS = 28
# Adoption after go-live: the days until these shares of the licensed seats are active.
ADOPTION_SHARES = (50, 80)


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

    # No index of its own: the (license, day) constraint's index serves every read by license.
    license = models.ForeignKey(
        License, on_delete=models.CASCADE, related_name="usage_records", db_index=False
    )
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

    def __str__(self):
        return f"{self.license_id} on {self.day}: {self.active_users_30d}/{self.assigned_seats}"


class UsageSummaryQuerySet(models.QuerySet):
    """The usage lists and figures: every read of "utilisation now" goes through `fresh`,
    so that pages, emails, the dashboard and the API agree."""

    def fresh(self, today: date | None = None):
        """Summaries of licenses in force on `today` whose latest report is recent."""
        today = today or timezone.localdate()
        return self.filter(
            day__gt=today - timedelta(days=FRESH_DAYS),
            license__in=License.objects.active(today),
        )

    def expansion_ready(self, today: date | None = None):
        """Utilisation at or above USAGE_EXPANSION_THRESHOLD on each of the last
        USAGE_EXPANSION_DAYS reported days, most used first."""
        threshold = settings.USAGE_EXPANSION_THRESHOLD
        return (
            self.fresh(today)
            .filter(
                GreaterThanOrEqual(
                    F("lowest_active_window") * 100, F("license__seats") * threshold
                ),
                days_reported_window__gte=settings.USAGE_EXPANSION_DAYS,
            )
            .order_by("-active_share", "license_id")
        )

    def renewal_at_risk(self, today: date | None = None):
        """Licenses awaiting renewal within USAGE_RENEWAL_WINDOW_DAYS whose utilisation is
        below USAGE_RISK_THRESHOLD, least used first."""
        today = today or timezone.localdate()
        due = License.objects.renewals_due_within(settings.USAGE_RENEWAL_WINDOW_DAYS, today)
        return (
            self.fresh(today)
            .filter(
                LessThan(
                    F("active_users_30d") * 100, F("license__seats") * settings.USAGE_RISK_THRESHOLD
                ),
                license__in=due,
            )
            .order_by("active_share", "license_id")
        )

    def over_deployed(self, today: date | None = None):
        """More seats assigned than licensed (a true-up), most missing seats first."""
        return (
            self.fresh(today)
            .filter(assigned_seats__gt=F("license__seats"))
            .order_by(F("license__seats") - F("assigned_seats"), "license_id")
        )

    def with_parties(self):
        return self.select_related("license__company", "license__product")

    def licensed(self, seats: int) -> int:
        """Set these summaries' licensed seats (their license's seats changed) and the
        utilisation that follows; returns the summaries updated."""
        return self.update(
            licensed_seats=seats, active_share=Cast("active_users_30d", FloatField()) / seats
        )


class UsageSummary(models.Model):
    """Each license's latest usage and what the lists need of its recent past, kept by the
    feed (licensing.services.usage) so that lists read one row per license, not its days."""

    license = models.OneToOneField(
        License, primary_key=True, on_delete=models.CASCADE, related_name="usage_summary"
    )
    day = models.DateField(help_text="The latest report")
    assigned_seats = models.PositiveIntegerField()
    active_users_30d = models.PositiveIntegerField()
    active_users_7d = models.PositiveIntegerField(null=True, blank=True)
    # The license's seats now, and active users ÷ those seats: its utilisation, which the lists
    # filter and sort by through the indexes below. Kept by the feed and by `add_seats`
    # (`UsageSummaryQuerySet.licensed`).
    licensed_seats = models.PositiveIntegerField()
    active_share = models.FloatField()
    # Over the USAGE_EXPANSION_DAYS days up to `day`: the fewest active users, and on how
    # many of those days usage was reported.
    lowest_active_window = models.PositiveIntegerField()
    days_reported_window = models.PositiveSmallIntegerField()
    # The first reported day, from go-live on, with 50 % and 80 % of the seats active.
    adoption_50_on = models.DateField(null=True, blank=True)
    adoption_80_on = models.DateField(null=True, blank=True)

    objects = UsageSummaryQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="usage_summary_day"),
            # The low and high utilisation bands and the sort by utilisation.
            models.Index(fields=["active_share", "day"], name="usage_summary_share"),
            # The over-deployed band: its fresh licenses from this index alone.
            models.Index(
                fields=["day", "license"],
                condition=Q(assigned_seats__gt=F("licensed_seats")),
                name="usage_summary_over_deployed",
            ),
        ]

    def __str__(self):
        return f"{self.license_id} on {self.day}"

    def _days_from_go_live(self, reached_on: date | None) -> int | None:
        live_on = self.license.live_on
        return None if reached_on is None or live_on is None else (reached_on - live_on).days

    @property
    def days_to_50_percent(self) -> int | None:
        """Days from go-live to the first report with half the seats active; None: not yet."""
        return self._days_from_go_live(self.adoption_50_on)

    @property
    def days_to_80_percent(self) -> int | None:
        return self._days_from_go_live(self.adoption_80_on)

    @property
    def utilisation(self) -> Decimal | None:
        return pricing.utilisation(self.active_users_30d, self.license.seats)

    @property
    def missing_seats(self) -> int:
        return pricing.true_up_seats(
            assigned_seats=self.assigned_seats, licensed_seats=self.license.seats
        )


class CompanyUtilisation(models.Model):
    """A company's lowest utilisation (CompanyQuerySet.with_utilisation) as of its last
    refresh (licensing.services.usage.refresh_company_utilisation), so that the company list
    filters the low band and sorts by it through an index instead of working the figure out
    for every company. Refreshed by every writer of usage, seats or a license's state, and
    nightly for what time changes (a report grows stale, a renewed term ends). Its own table:
    a company row is indexed three times by trigram, so rewriting companies for each usage
    batch would cost over a millisecond a row."""

    company = models.OneToOneField(
        Company, primary_key=True, on_delete=models.CASCADE, related_name="stored_utilisation"
    )
    lowest_utilisation = models.FloatField(null=True, blank=True)

    class Meta:
        # The company list's sort by lowest utilisation (ascending, nulls last); the highest
        # first (descending, nulls last) has an index on PostgreSQL only (SQLite cannot say
        # NULLS LAST in an index), made by migration 0010.
        indexes = [
            models.Index(
                fields=["lowest_utilisation", "company"], name="company_utilisation_lowest"
            )
        ]

    def __str__(self):
        return f"{self.company_id}: {self.lowest_utilisation}"


@dataclass(frozen=True)
class UsagePoint:
    day: date
    licensed_seats: int
    assigned_seats: int
    active_users_30d: int
    active_users_7d: int | None

    @property
    def utilisation(self) -> Decimal | None:
        return pricing.utilisation(self.active_users_30d, self.licensed_seats)


@dataclass(frozen=True)
class LicenseUsage:
    """A license's usage over the last HISTORY_DAYS days, for its page."""

    points: list[UsagePoint]

    @property
    def latest(self) -> UsagePoint | None:
        return self.points[-1] if self.points else None

    @property
    def utilisation(self) -> Decimal | None:
        return self.latest.utilisation if self.latest else None

    @property
    def trend(self) -> Decimal | None:
        """Utilisation now minus TREND_DAYS days before (the nearest report on or before
        it): +0.0500 is 5 points up. None without a report that old."""
        if not self.points:
            return None
        since = self.latest.day - timedelta(days=TREND_DAYS)
        earlier = [point for point in self.points if point.day <= since]
        if not earlier or earlier[-1].utilisation is None or self.utilisation is None:
            return None
        return self.utilisation - earlier[-1].utilisation

    @property
    def missing_seats(self) -> int:
        """Seats assigned beyond those licensed on the latest report (a true-up)."""
        if self.latest is None:
            return 0
        return pricing.true_up_seats(
            assigned_seats=self.latest.assigned_seats,
            licensed_seats=self.latest.licensed_seats,
        )


def license_usage(
    license: License, *, today: date | None = None, seat_changes=None
) -> LicenseUsage:
    """The license's last HISTORY_DAYS days of usage, each day against the seats licensed
    that day (its seat changes, read unless given, counted from their effective day)."""
    if seat_changes is None:
        seat_changes = license.seat_changes.all()
    changes = [(change.effective_on, change.delta) for change in seat_changes]
    points = []
    for record in UsageRecord.objects.of_license(license, days=HISTORY_DAYS, today=today):
        later = sum(delta for effective_on, delta in changes if effective_on > record.day)
        points.append(
            UsagePoint(
                day=record.day,
                licensed_seats=license.seats - later,
                assigned_seats=record.assigned_seats,
                active_users_30d=record.active_users_30d,
                active_users_7d=record.active_users_7d,
            )
        )
    return LicenseUsage(points)
