"""The reminders of `seed_demo --scale`: what the daily sweep already sent (see scale.py)."""

from datetime import date, timedelta

from django.conf import settings

from accounts.models import OutboxMessage
from licensing.models import Reminder
from licensing.reminders import queue_reminders, record_due_reminders
from sales.demo.base import aware


def replay_reminder_sweeps(*, today: date) -> None:
    """The trial and renewal reminders sent on the past days for the trials and licenses
    running today: each past day's sweep is run by the sweep's own code (which reminders
    fell due, whom they go to), then its reminders and their emails are recorded as sent
    that day. So the first real sweep finds only what falls due today."""
    longest = max(*settings.REMINDER_TRIAL_OFFSETS, *settings.REMINDER_RENEWAL_OFFSETS)
    for days_ago in range(longest, 0, -1):
        day = today - timedelta(days=days_ago)
        reminder_ids = record_due_reminders(today=day)
        message_ids = queue_reminders(reminder_ids, wake=False)
        at = aware(day)
        OutboxMessage.objects.filter(pk__in=message_ids).update(
            status=OutboxMessage.Status.SENT,
            attempts=1,
            created_at=at,
            next_attempt_at=at,
            sent_at=at,
        )
        reminders = Reminder.objects.filter(pk__in=reminder_ids)
        reminders.filter(status=Reminder.Status.PENDING).update(
            status=Reminder.Status.SENT, attempts=1, sent_at=at
        )
        reminders.update(created_at=at)
