"""Celery tasks of the email outbox: thin, ids in, safe to run twice (the row's claim)."""

from celery import shared_task
from django.conf import settings

from accounts import imports, outbox
from accounts.models import OutboxMessage


@shared_task
def dispatch_outbox() -> int:
    """Beat, every minute: hand every due email to the workers."""
    return outbox.dispatch()


@shared_task(
    soft_time_limit=settings.OUTBOX_SEND_TIME_LIMIT,
    time_limit=settings.OUTBOX_SEND_TIME_LIMIT + 5,  # within the lease (see settings)
)
def send_email(message_id: int) -> str | None:
    """Send one outgoing email. A temporary error is recorded and retried by the dispatcher
    at the row's `next_attempt_at`; a final failure ends this task failed."""
    message = outbox.deliver(message_id=message_id)
    if message is not None and message.status == OutboxMessage.Status.FAILED:
        raise outbox.EmailFailed(f"Email {message.pk} to {message.recipient}: {message.last_error}")
    return message.status if message else None


@shared_task
def check_import_task(job_id: int) -> dict | None:
    """The dry run of an import: what each row would do."""
    job = imports.check_import(job_id=job_id)
    return job.counts if job else None


@shared_task
def apply_import_task(job_id: int) -> dict | None:
    """Write a checked import, all of it or nothing."""
    job = imports.apply_import(job_id=job_id)
    return job.counts if job else None
