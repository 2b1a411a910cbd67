"""Sending a quote's email again. The email itself goes through the outbox (sales/emails.py)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import outbox
from accounts.models import Activity, OutboxMessage
from accounts.services import record_activity
from sales import emails, links
from sales.models import Quote
from sales.services.quotes import _check_sent, _locked


@transaction.atomic
def resend_quote_email(*, quote: Quote, actor) -> Quote:
    """Send the email of a sent quote again, with the same PDF and note: a failed, stuck or
    retrying email is tried again now (same Message-ID); after a delivered one (the client
    lost it) a new email is queued. Either way it carries the recipient's active link."""
    quote = _locked(quote)
    _check_sent(quote, "email")
    links.issue_link(quote)  # a withdrawn link is replaced
    now = timezone.now()
    latest = emails.quote_messages(quote).order_by("-pk").first()
    Status = OutboxMessage.Status
    if latest is None or latest.status in (Status.SENT, Status.SKIPPED):
        emails.queue_quote_email(quote)
        quote.email_status, quote.email_error = Quote.EmailStatus.PENDING, ""
        quote.save(update_fields=["email_status", "email_error", "updated_at"])
    elif _on_its_way(latest, now):
        raise ValidationError(f"The email of {quote.reference} is already on its way.")
    else:
        outbox.resend_messages(messages=OutboxMessage.objects.filter(pk=latest.pk), now=now)
    record_activity(
        company=quote.company,
        kind=Activity.Kind.EMAIL,
        message=f"{quote.reference}: email to {quote.contact} queued again",
        actor=actor,
    )
    quote.refresh_from_db()  # its email status follows the message
    return quote


def _on_its_way(message: OutboxMessage, now) -> bool:
    """Due now (a worker takes it in a moment) or being sent within its lease; not a failed,
    stuck or waiting-to-retry one."""
    Status = OutboxMessage.Status
    if message.status == Status.SENDING:
        return message.claimed_at >= outbox.lease_cutoff(now)
    if message.status == Status.PENDING:
        return message.attempts == 0 and message.next_attempt_at >= outbox.overdue_cutoff(now)
    return False
