"""Reminder emails, each sent at most once, and the days the reminder sweep ran for."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Company


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
