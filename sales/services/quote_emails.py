"""Emailing a sent quote with its stored PDF, and sending it again."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Activity
from accounts.services import record_activity
from sales import emails, tasks
from sales.models import Quote
from sales.services.quotes import _check_sent, _locked


def email_quote(*, quote_id: int) -> Quote | None:
    """Email a sent quote to its recipient with its stored PDF; the result goes on the quote
    and the company timeline. Does nothing unless an email is pending, so a second run of
    the same task sends nothing twice.

    Not one transaction on purpose: the claim commits before the email leaves, so a
    concurrent run sees it taken."""
    claimed = Quote.objects.filter(pk=quote_id, email_status=Quote.EmailStatus.PENDING).update(
        email_status=Quote.EmailStatus.SENDING
    )
    if not claimed:
        return None
    quote = Quote.objects.with_parties().get(pk=quote_id)
    recipient = f"{quote.contact} <{quote.contact.email}>"
    try:
        emails.quote_email(quote).send()
    except Exception as error:  # SMTP refusals, timeouts, bad addresses: all shown to a human
        quote.email_status, quote.email_error = Quote.EmailStatus.FAILED, str(error)[:500]
        message = f"Email of {quote.reference} to {recipient} failed: {quote.email_error}"
    else:
        quote.email_status, quote.email_error = Quote.EmailStatus.SENT, ""
        quote.email_sent_at = timezone.now()
        message = f"{quote.reference} emailed to {recipient} with its PDF"
    with transaction.atomic():
        quote.save(update_fields=["email_status", "email_error", "email_sent_at", "updated_at"])
        record_activity(company=quote.company, kind=Activity.Kind.EMAIL, message=message)
    return quote


@transaction.atomic
def resend_quote_email(*, quote: Quote, actor) -> Quote:
    """Queue the email of a sent quote again (after a failure, or when the client lost it),
    with the same PDF and note."""
    quote = _locked(quote)
    _check_sent(quote, "email")
    if quote.email_status in (Quote.EmailStatus.PENDING, Quote.EmailStatus.SENDING):
        raise ValidationError(f"The email of {quote.reference} is already on its way.")
    quote.email_status, quote.email_error = Quote.EmailStatus.PENDING, ""
    quote.save(update_fields=["email_status", "email_error", "updated_at"])
    record_activity(
        company=quote.company,
        kind=Activity.Kind.EMAIL,
        message=f"{quote.reference}: email to {quote.contact} queued again",
        actor=actor,
    )
    tasks.email_quote.delay_on_commit(quote.pk)
    return quote
