"""The emails of a discount's approval, through the outbox (accounts/outbox.py): when a draft's
discount comes to need approval, everyone who may approve it (Finance, Administrators: the
roles matrix's "approve_quote") and the account manager hear of it; when it is approved or
refused, the account manager and the approver do. Once per step and person, whatever retries
do: each message's key names the step. Composed when they
go out; a request that no longer awaits an answer by then is skipped."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from accounts import outbox
from accounts.models import OutboxMessage
from accounts.roles import holders_of
from sales.models import Quote

REQUESTED, APPROVED, REFUSED = (
    "discount_approval_requested",
    "discount_approved",
    "discount_refused",
)


def _messages(kind: str, quote: Quote, recipients: dict[str, str], subject: str):
    # One step of one quote is one save of it: its updated_at tells the steps apart.
    step = f"{quote.pk}:{quote.updated_at.timestamp():.6f}"
    return [
        OutboxMessage(
            key=f"{kind}:{step}:{email}"[:200],
            kind=kind,
            source_id=quote.pk,
            recipient=email,
            audience=audience,
            company_id=quote.company_id,
            subject=subject[:300],
        )
        for email, audience in recipients.items()
        if email
    ]


def queue_request_emails(quote: Quote) -> None:
    """Tell whoever may approve and the account manager that the quote's discount awaits
    approval."""
    approvers = holders_of("approve_quote").values_list("email", flat=True)
    recipients = {email: "approver" for email in approvers}
    recipients[quote.owner.email] = "owner"
    subject = (
        f"Approval needed: {quote.discount_percent.normalize():f}% off {quote.reference} "
        f"for {quote.company.name}"
    )
    outbox.add_messages(_messages(REQUESTED, quote, recipients, subject))


def queue_answer_emails(quote: Quote, approver) -> None:
    """Tell the account manager and the approver that the discount was approved or refused."""
    approved = quote.approval == Quote.Approval.APPROVED
    kind = APPROVED if approved else REFUSED
    recipients = {approver.email: "approver", quote.owner.email: "owner"}
    subject = f"Discount {'approved' if approved else 'refused'}: {quote.reference}"
    outbox.add_messages(_messages(kind, quote, recipients, subject))


def _build(message: OutboxMessage) -> EmailMessage | None:
    quote = Quote.objects.select_related("company", "owner", "approved_by").get(
        pk=message.source_id
    )
    if message.kind == REQUESTED and not (
        quote.is_draft and quote.approval == Quote.Approval.PENDING
    ):
        return None  # answered or changed since: nothing to ask any more
    context = {
        "quote": quote,
        "kind": message.kind.removeprefix("discount_").removesuffix("_requested"),
        "to_owner": message.audience == "owner",
        "url": settings.SITE_URL.rstrip("/") + reverse("quote_detail", args=[quote.pk]),
        "queue_url": settings.SITE_URL.rstrip("/") + reverse("approval_queue"),
    }
    return EmailMessage(
        subject=message.subject,
        body=render_to_string("sales/emails/discount_approval.txt", context),
        to=[message.recipient],
    )


for _kind in (REQUESTED, APPROVED, REFUSED):
    outbox.register(_kind, build=_build)
