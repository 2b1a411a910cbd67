"""The client's own answer from the quote's personal link (/q/<token>/): the link (issued at
send and resend, withdrawn by the account manager), accepting through accept_quote with the
acceptance record and its certificate, declining through decline_quote, asking a question.

Where the link leads is decided in `state_of`, which the page and every service ask."""

import hashlib
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import limits
from accounts.models import Activity
from accounts.services import record_activity
from sales import portal_emails
from sales.certificates import render_certificate, seal_of
from sales.links import active_link
from sales.models import Quote, QuoteAcceptance, QuoteLink, QuoteQuestion
from sales.pdf import PDFNotDrawn, open_pdf
from sales.services.answers import accept_quote, decline_quote
from sales.services.quotes import _locked, _log


class State:
    OPEN = "open"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    ACCEPTED = "accepted"
    DECLINED = "declined"


def state_of(link: QuoteLink, now: datetime | None = None) -> str:
    """What the link's page offers: the forms only while the quote is sent, within its
    validity and the link not withdrawn."""
    quote = link.quote
    if quote.status == Quote.Status.ACCEPTED:
        return State.ACCEPTED
    if quote.status == Quote.Status.DECLINED:
        return State.DECLINED
    if quote.status == Quote.Status.SUPERSEDED:
        return State.SUPERSEDED
    if link.is_withdrawn:
        return State.WITHDRAWN
    today = timezone.localdate(now or timezone.now())
    if quote.status == Quote.Status.EXPIRED or quote.valid_until < today:
        return State.EXPIRED
    return State.OPEN


def replacement_of(link: QuoteLink) -> tuple[Quote | None, QuoteLink | None]:
    """The latest sent revision of a superseded quote, and the recipient's active link to it
    when that revision went to the same address."""
    quote = link.quote
    latest = (
        Quote.objects.filter(number=quote.number, revision__gt=quote.revision)
        .issued()
        .order_by("-revision")
        .first()
    )
    if latest is None:
        return None, None
    return latest, active_link(latest, link.email)


def document_sha256(quote: Quote) -> str:
    """The SHA-256 of the PDF the link serves (sales.pdf.open_pdf), byte for byte."""
    digest = hashlib.sha256()
    with open_pdf(quote) as document:
        for chunk in iter(lambda: document.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


@transaction.atomic
def withdraw_link(*, link: QuoteLink, actor) -> QuoteLink:
    """Close a link: its page shows the account manager's contact, never a form. Resending
    the quote makes a new one."""
    _locked(link.quote)
    link = QuoteLink.objects.select_for_update().get(pk=link.pk)
    if link.is_withdrawn:
        raise ValidationError("This link was already withdrawn.")
    link.withdrawn_at, link.withdrawn_by = timezone.now(), actor
    link.save(update_fields=["withdrawn_at", "withdrawn_by"])
    Quote.objects.filter(pk=link.quote_id).restage()
    _log(link.quote, f"link to {link.email} withdrawn", actor)
    return link


@transaction.atomic
def record_open(*, link: QuoteLink, now: datetime | None = None) -> None:
    """Count one opening of the link's page (no cookie: one row, updated in place); the
    first one makes a sent quote viewed in the pipeline."""
    now = now or timezone.now()
    QuoteLink.objects.filter(pk=link.pk).update(
        opens=F("opens") + 1, last_opened_at=now, first_opened_at=Coalesce("first_opened_at", now)
    )
    if link.first_opened_at is None:
        Quote.objects.filter(pk=link.quote_id).restage()


def _check_open(link: QuoteLink, now: datetime) -> None:
    state = state_of(link, now)
    if state != State.OPEN:
        raise ValidationError(f"This quote can no longer be answered: it is {state}.")


def _single_line(value: str, field: str, label: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise ValidationError({field: f"Enter your {label}."})
    limits.check(value, [limits.text_of_at_most(limits.TEXT_NAME)], field)
    return value


@transaction.atomic
def accept_online(
    *,
    link: QuoteLink,
    name: str,
    title: str,
    authorised: bool,
    signature: str,
    shown_sha256: str,
    ip_address: str | None,
    user_agent: str,
    now: datetime | None = None,
) -> QuoteAcceptance:
    """Accept the link's quote for the client through accept_quote (licenses, trial
    conversion, onboarding), keep the acceptance record with the served PDF's SHA-256 and a
    sealed certificate, and email the certificate to the client and a notice to the owner.
    The same link accepting again (a double click) gets the first acceptance back."""
    quote = _locked(link.quote)
    already = QuoteAcceptance.objects.filter(quote=quote).first()
    if already is not None and already.link_id == link.pk:
        return already
    link = QuoteLink.objects.get(pk=link.pk)
    link.quote = quote
    now = now or timezone.now()
    _check_open(link, now)
    name = _single_line(name, "name", "full name")
    title = _single_line(title, "title", "job title")
    signature = _single_line(signature, "signature", "name as your signature")
    if not authorised:
        raise ValidationError(
            {"authorised": f"Confirm that you may accept on behalf of {quote.company.name}."}
        )
    if name.casefold() != signature.casefold():  # both with their spaces collapsed
        raise ValidationError({"signature": "Type your full name exactly as above to sign."})
    try:
        pdf_sha256 = document_sha256(quote)
    except PDFNotDrawn as error:
        raise ValidationError(
            "The document cannot be shown right now: try again in a minute."
        ) from error
    if pdf_sha256 != shown_sha256 or (quote.pdf_sha256 and quote.pdf_sha256 != pdf_sha256):
        raise ValidationError("The quote changed since this page was loaded: reload it.")
    accept_quote(quote=quote, actor=None, now=now, online_by=f"{name} ({title}, {link.email})")
    acceptance = QuoteAcceptance(
        quote=quote,
        link=link,
        name=name,
        title=title,
        signature=signature,
        email=link.email,
        accepted_at=now,
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:500],
        pdf_sha256=pdf_sha256,
    )
    acceptance.seal = seal_of(acceptance)
    acceptance.certificate_pdf = render_certificate(acceptance)
    acceptance.certificate_sha256 = hashlib.sha256(acceptance.certificate_pdf).hexdigest()
    acceptance.save()
    portal_emails.queue_acceptance_emails(acceptance)
    return acceptance


@transaction.atomic
def decline_online(
    *, link: QuoteLink, reason: str, reason_code: str = "", now: datetime | None = None
) -> Quote:
    """Decline the link's quote for the client through decline_quote, with their reason;
    the owner is emailed. Declining again from the same link changes nothing."""
    quote = _locked(link.quote)
    link = QuoteLink.objects.get(pk=link.pk)
    link.quote = quote
    if quote.status == Quote.Status.DECLINED:
        return quote
    now = now or timezone.now()
    _check_open(link, now)
    quote = decline_quote(
        quote=quote,
        actor=None,
        now=now,
        reason_code=reason_code,
        reason=reason,
        online_by=link.email,
    )
    portal_emails.queue_decline_email(quote)
    return quote


@transaction.atomic
def ask_question(*, link: QuoteLink, message: str, now: datetime | None = None) -> QuoteQuestion:
    """Put the client's question on the company's timeline and email it to the owner."""
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": "Write your question."})
    limits.check(message, [limits.text_of_at_most(limits.TEXT_REASON)], "message")
    quote = _locked(link.quote)
    link.quote = quote
    now = now or timezone.now()
    _check_open(link, now)
    question = QuoteQuestion.objects.create(quote=quote, link=link, message=message, asked_at=now)
    record_activity(
        company=quote.company,
        kind=Activity.Kind.QUOTE,
        message=f"{quote.reference}: question from {link.email}: {message}",
        when=now,
    )
    portal_emails.queue_question_email(question)
    return question
