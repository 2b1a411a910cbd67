"""Quote lifecycle: draft, edit, send, revise (approval in approvals, the client's answer in
answers).

One transaction each; every refusal is a ValidationError a user can read, raised before
anything is written."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts import limits
from accounts.models import Activity, Company, Contact
from accounts.services import record_activity
from licensing import services as licensing
from licensing.models import License, Trial
from licensing.pricing import format_money
from sales import approval_emails, emails
from sales.models import Quote, QuoteLine, QuoteNumberSequence
from sales.pricing import LineInput, QuotePrice, needs_approval, price_quote

EDITABLE_FIELDS = (
    "contact",
    "term_months",
    "starts_on",
    "valid_until",
    "expected_close",
    "discount_percent",
    "discount_justification",
    "tax_percent",
    "notes",
    "terms",
    "po_reference",
)


def _locked(quote: Quote) -> Quote:
    return Quote.objects.select_for_update().get(pk=quote.pk)


def _restage(*quotes: Quote) -> None:
    """Store the pipeline stage of the quotes (and of the revisions they follow) once their
    writes are done: the last step of every service that changes a status, an approval or a
    revision. The objects in memory keep their earlier stage."""
    Quote.objects.filter(pk__in=[quote.pk for quote in quotes]).restage()


def _log(quote: Quote, message: str, actor, when: datetime | None = None) -> None:
    record_activity(
        company=quote.company,
        kind=Activity.Kind.QUOTE,
        message=f"{quote.reference} {message}",
        actor=actor,
        when=when,
    )


def _check_contact(company: Company, contact: Contact | None) -> None:
    if contact is not None and contact.company_id != company.pk:
        raise ValidationError({"contact": "The recipient must be a contact of this company."})


def _check_term(term_months: int) -> None:
    if term_months is None or term_months <= 0:
        raise ValidationError({"term_months": "The term must be at least one month."})


def _check_new_business(quote: Quote, products) -> None:
    """A new-business quote is for products the company does not license yet."""
    if quote.kind == Quote.Kind.NEW:
        licensing.check_products_not_held(company=quote.company, products=products, field="lines")


def price_of(quote: Quote, lines: Sequence[LineInput]) -> QuotePrice:
    """Price a quote's current fields with the given lines, once they are within bounds."""
    _check_term(quote.term_months)
    limits.check_fields(quote, *(name for name in EDITABLE_FIELDS if name != "contact"))
    _check_new_business(quote, [line.product for line in lines])
    return price_quote(
        lines=lines,
        term_months=quote.term_months,
        starts_on=quote.starts_on,
        discount_percent=quote.discount_percent,
        tax_percent=quote.tax_percent,
        license=quote.license if quote.kind in (Quote.Kind.EXPANSION, Quote.Kind.RENEWAL) else None,
        trial=quote.trial,
        expansion=quote.kind == Quote.Kind.EXPANSION,
    )


def _check_subject_still_open(quote: Quote) -> None:
    """A conversion needs an active trial; an expansion or renewal an active license."""
    if quote.kind == Quote.Kind.TRIAL_CONVERSION:
        if quote.trial is None:
            raise ValidationError({"trial": "Choose the trial this quote converts."})
        licensing.check_trial_convertible(quote.trial)
    elif quote.kind in (Quote.Kind.EXPANSION, Quote.Kind.RENEWAL):
        if quote.license is None:
            raise ValidationError({"license": "Choose the license this quote concerns."})
        if quote.kind == Quote.Kind.EXPANSION:
            licensing.check_license_active(quote.license, "add seats to")
        else:
            licensing.check_renewable(quote.license)
    elif quote.pk is not None:
        _check_new_business(quote, list(quote.lines.values_list("product", flat=True)))


def _write_lines(quote: Quote, price: QuotePrice) -> None:
    quote.lines.all().delete()
    # With their history rows, by the request's user (simple-history's request context).
    bulk_create_with_history(
        [
            QuoteLine(
                quote=quote,
                position=position,
                product=line.product,
                requested_seats=line.price.requested_seats,
                billed_seats=line.price.billed_seats,
                seat_block_size=line.price.seat_block_size,
                unit_price=line.price.unit_price,
                months=line.months,
                line_total=line.price.line_total,
            )
            for position, line in enumerate(price.lines)
        ],
        QuoteLine,
    )
    totals = price.totals
    quote.currency = price.currency
    quote.subtotal, quote.discount_amount = totals.subtotal, totals.discount_amount
    quote.tax_amount, quote.total = totals.tax_amount, totals.total
    if quote.kind == Quote.Kind.EXPANSION:
        quote.term_months = price.lines[0].months if price.lines else quote.term_months


def _approval_after_change(quote: Quote, *, changed: bool) -> str:
    """A discount above the threshold needs approval, and a justification for Finance; a
    change withdraws an earlier answer."""
    if not needs_approval(quote.discount_percent):
        return Quote.Approval.NOT_NEEDED
    quote.discount_justification = quote.discount_justification.strip()
    if not quote.discount_justification:
        raise ValidationError(
            {
                "discount_justification": "Say why this discount is needed: the approver reads it "
                "to approve it."
            }
        )
    if changed or quote.approval == Quote.Approval.NOT_NEEDED:
        return Quote.Approval.PENDING
    return quote.approval


def _ask_approval_if_new(quote: Quote, *, was: str | None) -> None:
    """A discount that has just come to need approval is emailed to its approvers and owner."""
    if quote.approval == Quote.Approval.PENDING and was != Quote.Approval.PENDING:
        approval_emails.queue_request_emails(quote)


@transaction.atomic
def create_quote(
    *,
    company: Company,
    actor,
    lines: Sequence[LineInput],
    kind: str = Quote.Kind.NEW,
    contact: Contact | None = None,
    term_months: int = 12,
    starts_on: date | None = None,
    valid_until: date | None = None,
    expected_close: date | None = None,
    discount_percent: Decimal = Decimal("0"),
    discount_justification: str = "",
    tax_percent: Decimal = Decimal("0"),
    notes: str = "",
    terms: str = "",
    po_reference: str = "",
    trial: Trial | None = None,
    license: License | None = None,
) -> Quote:
    """Create a priced draft quote owned by the company's account manager."""
    _check_contact(company, contact)
    quote = Quote(
        company=company,
        contact=contact,
        owner_id=company.owner_id,
        kind=kind,
        term_months=term_months,
        starts_on=starts_on or timezone.localdate(),
        valid_until=valid_until,
        expected_close=expected_close,
        discount_percent=discount_percent,
        discount_justification=discount_justification,
        tax_percent=tax_percent,
        notes=notes,
        terms=terms,
        po_reference=po_reference,
        trial=trial,
        license=license,
    )
    limits.check_fields(quote, "po_reference")
    _check_subject_still_open(quote)
    price = price_of(quote, lines)
    quote.approval = _approval_after_change(quote, changed=True)
    quote.save()
    _write_lines(quote, price)
    quote.save()
    _restage(quote)
    _log(quote, f"drafted ({quote.get_kind_display().lower()})", actor)
    _ask_approval_if_new(quote, was=None)
    return quote


def _check_draft(quote: Quote) -> None:
    if quote.status == Quote.Status.CLOSED:
        raise ValidationError(
            f"{quote.reference} was closed unsent: an earlier revision was accepted."
        )
    if quote.status != Quote.Status.DRAFT:
        raise ValidationError(
            f"{quote.reference} is {quote.get_status_display().lower()}: a sent quote is frozen; "
            "revise it to make changes."
        )


def _stored_lines(quote: Quote) -> list[LineInput]:
    return [LineInput(line.product, line.requested_seats) for line in quote.lines.all()]


def _price_as_stored(quote: Quote) -> tuple[QuotePrice | None, tuple]:
    """The quote's price now, from its saved fields and lines, and the totals it stores."""
    stored = (quote.currency, quote.subtotal, quote.discount_amount, quote.tax_amount, quote.total)
    try:
        return price_of(quote, _stored_lines(quote)), stored
    except ValidationError:
        return None, stored


@transaction.atomic
def update_quote(
    *, quote: Quote, actor, lines: Sequence[LineInput] | None = None, **fields
) -> Quote:
    """Edit a draft's fields and/or lines and re-price it; a change to what the customer
    pays withdraws an approval."""
    quote = _locked(quote)
    _check_draft(quote)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be edited: {', '.join(sorted(unknown))}.")
    price_before, stored_totals = _price_as_stored(quote)
    for name, value in fields.items():
        setattr(quote, name, value)
    limits.check_fields(quote, "po_reference")
    _check_contact(quote.company, quote.contact)
    price = price_of(quote, _stored_lines(quote) if lines is None else lines)
    # The whole priced result is compared (seats, prices, period, percentages, totals), so a
    # new input to pricing withdraws an approval without being listed here.
    totals = price.totals
    changed = price != price_before or stored_totals != (
        price.currency,
        totals.subtotal,
        totals.discount_amount,
        totals.tax_amount,
        totals.total,
    )
    was, quote.approval = quote.approval, _approval_after_change(quote, changed=changed)
    if changed:
        quote.approved_by, quote.approval_comment = None, ""
    _write_lines(quote, price)
    quote.save()
    _restage(quote)
    _ask_approval_if_new(quote, was=was)
    return quote


def _take_number(year: int) -> str:
    """The next number of the year; the locked sequence row keeps numbers unique and gapless
    (a rolled-back send gives its number back). The lock lasts until the send commits, so the
    send takes it last, with only its own writes left."""
    sequence = QuoteNumberSequence.objects.filter(year=year)
    if not sequence.update(last_number=F("last_number") + 1):  # the year's first quote
        QuoteNumberSequence.objects.bulk_create(
            [QuoteNumberSequence(year=year)], ignore_conflicts=True
        )
        sequence.update(last_number=F("last_number") + 1)
    return f"Q-{year}-{sequence.get().last_number:05d}"


@transaction.atomic
def send_quote(*, quote: Quote, actor, message: str = "", now: datetime | None = None) -> Quote:
    """Freeze a draft and give it its number; a revision supersedes the quote it revises.
    Once committed, a worker draws its PDF (sales/pdf.py) and emails it to the recipient with
    `message`, the account manager's note (the email waits for the PDF)."""
    limits.check(message, [limits.text_of_at_most(limits.TEXT_MESSAGE)], "message")
    quote = (
        Quote.objects.select_for_update(of=("self",))
        .select_related("company", "contact")
        .get(pk=quote.pk)
    )
    _check_draft(quote)
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not quote.lines.exists():
        raise ValidationError("Add at least one line before sending the quote.")
    if quote.contact_id is None:
        raise ValidationError({"contact": "Choose the contact who receives the quote."})
    if quote.approval == Quote.Approval.PENDING:
        raise ValidationError(
            f"A discount of {quote.discount_percent}% needs approval by Finance before sending."
        )
    if quote.approval == Quote.Approval.REJECTED:
        raise ValidationError("The discount was refused; change it before sending.")
    if quote.valid_until and quote.valid_until < today:
        raise ValidationError({"valid_until": "The quote would already have expired."})
    _check_subject_still_open(quote)
    previous = quote.previous_revision
    if previous is not None:
        previous = _locked(previous)
        if previous.status == Quote.Status.ACCEPTED:
            raise ValidationError(
                f"{previous.reference} was accepted; this revision cannot be sent."
            )
        if previous.status == Quote.Status.SENT:
            previous.status = Quote.Status.SUPERSEDED
            previous.save(update_fields=["status", "updated_at"])
        quote.number = previous.number
    quote.billing_address, quote.vat_number = quote.bill_to  # before it is frozen
    quote.status = Quote.Status.SENT
    quote.sent_at = now
    quote.valid_until = quote.valid_until or today + timedelta(days=settings.QUOTE_VALIDITY_DAYS)
    quote.email_message, quote.email_status = message, Quote.EmailStatus.PENDING
    quote.number = quote.number or _take_number(today.year)
    quote.save()
    _restage(quote)  # and the revision it supersedes
    note = f" with the note: {message}" if message else ""
    _log(
        quote,
        f"sent to {quote.contact}: {format_money(quote.total, quote.currency)}{note}",
        actor,
        now,
    )
    emails.queue_quote_email(quote)
    return quote


@transaction.atomic
def revise_quote(*, quote: Quote, actor) -> Quote:
    """Open a new draft revision of a sent, declined or expired quote, re-priced at today's
    price book; the earlier revision stays as it was sent."""
    quote = _locked(quote)
    revisable = (Quote.Status.SENT, Quote.Status.DECLINED, Quote.Status.EXPIRED)
    if quote.status not in revisable:
        raise ValidationError(
            f"{quote.reference} is {quote.get_status_display().lower()}; only a sent, declined "
            "or expired quote can be revised."
        )
    if hasattr(quote, "next_revision"):
        raise ValidationError(f"{quote.reference} already has a revision.")
    lines = [LineInput(line.product, line.requested_seats) for line in quote.lines.all()]
    revision = Quote(
        number=quote.number,
        revision=quote.revision + 1,
        previous_revision=quote,
        company=quote.company,
        contact=quote.contact,
        owner=quote.owner,
        kind=quote.kind,
        term_months=quote.term_months,
        starts_on=quote.starts_on,
        expected_close=quote.expected_close,
        discount_percent=quote.discount_percent,
        discount_justification=quote.discount_justification,
        tax_percent=quote.tax_percent,
        notes=quote.notes,
        terms=quote.terms,
        po_reference=quote.po_reference,
        trial=quote.trial,
        license=quote.license,
    )
    price = price_of(revision, lines)
    revision.approval = _approval_after_change(revision, changed=True)
    revision.save()
    _write_lines(revision, price)
    revision.save()
    _restage(revision)  # and the quote it revises, out of the pipeline while it is open
    _log(revision, "opened as a revision", actor)
    _ask_approval_if_new(revision, was=None)
    return revision


def _check_sent(quote: Quote, action: str) -> None:
    if quote.status != Quote.Status.SENT:
        raise ValidationError(
            f"Cannot {action} {quote.reference}: it is {quote.get_status_display().lower()}."
        )
