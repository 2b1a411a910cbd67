"""The email that carries a sent quote to its recipient, through the outbox
(accounts/outbox.py): one message per sending, recorded with the send, composed when it goes
out; the quote's `email_status` follows its latest message."""

from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from accounts import outbox
from accounts.models import Activity, OutboxMessage
from accounts.services import record_activity
from sales import links
from sales.models import Quote
from sales.pdf import PDFNotDrawn, open_pdf, pdf_filename

OUTBOX_KIND = "quote"


def quote_email(quote: Quote) -> EmailMultiAlternatives:
    """The quote's email, HTML and text, its PDF attached; replies go to the account manager."""
    link = links.active_link(quote, quote.contact.email)
    context = {
        "quote": quote,
        "message": quote.email_message,
        "seller": settings.SELLER,
        "link_url": links.url_of(link) if link else "",
    }
    email = EmailMultiAlternatives(
        subject=f"Quote {quote.reference} from {settings.SELLER['name']}",
        body=render_to_string("sales/emails/quote.txt", context),
        to=[formataddr((quote.contact.full_name, quote.contact.email))],
        reply_to=[quote.owner.email] if quote.owner.email else None,
    )
    email.attach_alternative(render_to_string("sales/emails/quote.html", context), "text/html")
    with open_pdf(quote) as document:
        email.attach(pdf_filename(quote), document.read(), "application/pdf")
    return email


def quote_messages(quote: Quote):
    return OutboxMessage.objects.for_source(OUTBOX_KIND, quote.pk)


def queue_quote_email(quote: Quote) -> list[int]:
    """Record a new email of `quote` to its recipient in the current transaction; it goes
    once this commits (or when a worker can), carrying the recipient's personal link."""
    links.issue_link(quote)
    number = quote_messages(quote).count() + 1
    return outbox.add_messages(
        [
            OutboxMessage(
                key=f"{OUTBOX_KIND}:{quote.pk}:{number}",
                kind=OUTBOX_KIND,
                source_id=quote.pk,
                recipient=quote.contact.email,
                audience="recipient",
                company_id=quote.company_id,
                subject=f"Quote {quote.reference} from {settings.SELLER['name']}"[:300],
            )
        ]
    )


def _build(message: OutboxMessage) -> EmailMultiAlternatives:
    """The quote's email, once its PDF is stored: this is where a worker draws the PDF of a
    quote just sent, and a failed drawing retries the email (never sent without its PDF)."""
    try:
        return quote_email(Quote.objects.with_parties().get(pk=message.source_id))
    except PDFNotDrawn as error:
        raise outbox.ComposeLater(str(error)) from error


STATUS = {
    OutboxMessage.Status.PENDING: Quote.EmailStatus.PENDING,
    OutboxMessage.Status.SENDING: Quote.EmailStatus.SENDING,
    OutboxMessage.Status.SENT: Quote.EmailStatus.SENT,
    OutboxMessage.Status.FAILED: Quote.EmailStatus.FAILED,
    OutboxMessage.Status.SKIPPED: Quote.EmailStatus.FAILED,
}


def settle_quote_email(message: OutboxMessage) -> None:
    """The quote's email status, error and time from its latest message; the outcome on the
    company timeline."""
    if quote_messages_latest_pk(message.source_id) != message.pk:
        return
    quote = Quote.objects.select_for_update(of=("self",)).with_parties().get(pk=message.source_id)
    status = STATUS[message.status]
    changed = status != quote.email_status
    quote.email_status = status
    quote.email_error = "" if status == Quote.EmailStatus.SENT else message.last_error[:500]
    if status == Quote.EmailStatus.SENT:
        quote.email_sent_at = message.sent_at
    quote.save(update_fields=["email_status", "email_error", "email_sent_at", "updated_at"])
    recipient = f"{quote.contact} <{message.recipient}>"
    if changed and status == Quote.EmailStatus.SENT:
        text = f"{quote.reference} emailed to {recipient} with its PDF"
    elif changed and status == Quote.EmailStatus.FAILED:
        text = f"Email of {quote.reference} to {recipient} failed: {quote.email_error}"
    else:
        return
    record_activity(company=quote.company, kind=Activity.Kind.EMAIL, message=text[:300])


def quote_messages_latest_pk(quote_id: int) -> int | None:
    return (
        OutboxMessage.objects.for_source(OUTBOX_KIND, quote_id)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )


outbox.register(OUTBOX_KIND, build=_build, settle=settle_quote_email)
