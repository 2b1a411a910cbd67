"""Sales background work: thin tasks that take ids and call one service. (A quote's email
goes through the outbox: accounts/tasks.py.)"""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from sales import emails, follow_up_digest
from sales.metrics import snapshot
from sales.models import Quote


@shared_task
def email_quote(quote_id: int) -> None:
    """Only for tasks queued before the outbox existed (in a broker at deploy): give a quote
    whose email was pending its outbox message. Remove once none can be left."""
    with transaction.atomic():
        quote = (
            Quote.objects.select_for_update(of=("self",)).with_parties().filter(pk=quote_id).first()
        )
        waiting = (Quote.EmailStatus.PENDING, Quote.EmailStatus.SENDING)
        if quote and quote.email_status in waiting and not emails.quote_messages(quote).exists():
            emails.queue_quote_email(quote)


@shared_task
def refresh_book_snapshots() -> None:
    """Daily from beat: every book's figures for the new day (sales/metrics/snapshot.py)."""
    snapshot.refresh_all()


@shared_task
def refresh_stale_book_snapshots() -> None:
    """After a change to the figures' records: the snapshots it made stale. Safe to run twice:
    a second run finds them fresh."""
    snapshot.refresh_stale()


@shared_task
def send_follow_up_digests() -> int:
    """Daily from beat: record today's follow-up digests and queue their sends (safe twice:
    each is a unique reminder)."""
    return len(follow_up_digest.record_digests(today=timezone.localdate()))
