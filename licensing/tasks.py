"""Celery tasks for reminders: thin, ids in, safe to run twice (the reminder's claim)."""

from celery import shared_task
from django.conf import settings

from licensing import reminders


@shared_task
def sweep_reminders() -> int:
    """The daily sweep (beat): record today's reminders and queue their sends."""
    return len(reminders.sweep_reminders())


@shared_task(bind=True, max_retries=settings.REMINDER_MAX_RETRIES)
def send_reminder(self, reminder_id: int) -> None:
    """Send one reminder; a mail error is retried with exponential backoff, and after the last
    retry the reminder ends as failed with the error kept."""
    try:
        reminders.send_reminder(reminder_id=reminder_id)
    except reminders.TRANSIENT_ERRORS as error:
        if self.request.retries >= self.max_retries:
            reminders.fail_reminder(reminder_id=reminder_id, error=error)
            return
        raise self.retry(
            exc=error, countdown=reminders.retry_delay(self.request.retries)
        ) from error
