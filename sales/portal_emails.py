"""The emails of the client's answers from the quote's link, through the outbox
(accounts/outbox.py): the acceptance certificate to the client, and a notice to the account
manager of an acceptance, a decline or a question. Composed when they go out."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from accounts import outbox
from accounts.models import OutboxMessage
from sales.models import Quote, QuoteAcceptance, QuoteQuestion

ACCEPTANCE, DECLINE, QUESTION = "quote_acceptance", "quote_decline", "quote_question"


def _message(kind: str, source_id: int, audience: str, recipient: str, quote: Quote, subject):
    return OutboxMessage(
        key=f"{kind}:{source_id}:{audience}",
        kind=kind,
        source_id=source_id,
        recipient=recipient,
        audience=audience,
        company_id=quote.company_id,
        subject=subject[:300],
    )


def _to_owner(kind: str, source_id: int, quote: Quote, subject: str) -> list[OutboxMessage]:
    if not quote.owner.email:
        return []
    return [_message(kind, source_id, "owner", quote.owner.email, quote, subject)]


def queue_acceptance_emails(acceptance: QuoteAcceptance) -> None:
    quote = acceptance.quote
    outbox.add_messages(
        [
            _message(
                ACCEPTANCE,
                acceptance.pk,
                "recipient",
                acceptance.email,
                quote,
                f"Your acceptance of quote {quote.reference} from {settings.SELLER['name']}",
            ),
            *_to_owner(ACCEPTANCE, acceptance.pk, quote, f"{quote.reference} accepted online"),
        ]
    )


def queue_decline_email(quote: Quote) -> None:
    outbox.add_messages(_to_owner(DECLINE, quote.pk, quote, f"{quote.reference} declined online"))


def queue_question_email(question: QuoteQuestion) -> None:
    quote = question.quote
    subject = f"Question on {quote.reference} from {question.link.email}"
    outbox.add_messages(_to_owner(QUESTION, question.pk, quote, subject))


def _quote_url(quote: Quote) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("quote_detail", args=[quote.pk])


def _email(message: OutboxMessage, template: str, context: dict) -> EmailMessage:
    context = {**context, "seller": settings.SELLER}
    return EmailMessage(
        subject=message.subject,
        body=render_to_string(template, context),
        to=[message.recipient],
    )


def _build_acceptance(message: OutboxMessage) -> EmailMessage:
    acceptance = QuoteAcceptance.objects.select_related("quote__company", "quote__owner").get(
        pk=message.source_id
    )
    quote = acceptance.quote
    if message.audience == "owner":
        return _email(
            message,
            "sales/emails/acceptance_owner.txt",
            {"acceptance": acceptance, "quote": quote, "url": _quote_url(quote)},
        )
    email = _email(
        message, "sales/emails/acceptance.txt", {"acceptance": acceptance, "quote": quote}
    )
    if quote.owner.email:
        email.reply_to = [quote.owner.email]
    email.attach(
        f"acceptance-{quote.number}-rev{quote.revision}.pdf",
        bytes(acceptance.certificate_pdf),
        "application/pdf",
    )
    return email


def _build_decline(message: OutboxMessage) -> EmailMessage:
    quote = Quote.objects.select_related("company").get(pk=message.source_id)
    return _email(
        message, "sales/emails/decline_owner.txt", {"quote": quote, "url": _quote_url(quote)}
    )


def _build_question(message: OutboxMessage) -> EmailMessage:
    question = QuoteQuestion.objects.select_related("quote__company", "link").get(
        pk=message.source_id
    )
    quote = question.quote
    email = _email(
        message,
        "sales/emails/question_owner.txt",
        {"question": question, "quote": quote, "url": _quote_url(quote)},
    )
    email.reply_to = [question.link.email]
    return email


outbox.register(ACCEPTANCE, build=_build_acceptance)
outbox.register(DECLINE, build=_build_decline)
outbox.register(QUESTION, build=_build_question)
