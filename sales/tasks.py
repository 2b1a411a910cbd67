"""Sales background work: thin tasks that take ids and call one service."""

from celery import shared_task

from sales import services


@shared_task
def email_quote(quote_id: int) -> None:
    """Email a sent quote with its PDF (idempotent: the service claims the pending email)."""
    services.email_quote(quote_id=quote_id)
