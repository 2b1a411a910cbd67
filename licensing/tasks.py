"""Celery tasks for reminders: thin, safe to run twice (the reminder's unique key). Their
emails go through the outbox (accounts/tasks.py)."""

from celery import shared_task

from licensing import reminders


@shared_task
def sweep_reminders() -> int:
    """The daily sweep (beat): record today's reminders with their messages and hand every
    due message to the workers."""
    return len(reminders.sweep_reminders())
