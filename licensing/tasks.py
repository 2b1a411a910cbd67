"""Celery tasks for reminders and the nightly utilisation refresh: thin, safe to run twice
(the reminder's unique key; a refresh writes the same figures). Reminder emails go through
the outbox (accounts/tasks.py)."""

from celery import shared_task

from licensing import reminders
from licensing.services import usage


@shared_task
def sweep_reminders() -> int:
    """The daily sweep (beat): record today's reminders with their messages and hand every
    due message to the workers."""
    return len(reminders.sweep_reminders())


@shared_task
def send_reminder(reminder_id: int) -> None:
    """Only for tasks queued before the outbox existed (in a broker at deploy): give the
    reminder its outbox messages, which the outbox sends. Remove once none can be left."""
    reminders.queue_reminders(reminders.unqueued_reminder_ids_among([reminder_id]))


@shared_task
def refresh_stored_utilisation() -> None:
    """The nightly refresh (beat) of the companies' stored utilisation for the new day."""
    usage.refresh_stored_utilisation()
