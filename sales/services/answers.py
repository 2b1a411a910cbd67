"""The client's answer to a sent quote: accept it (making the licenses it stands for),
decline it, or let it expire."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from accounts import limits
from licensing import services as licensing
from sales.models import Quote, QuoteLine
from sales.services.quotes import _check_sent, _locked, _log, _restage


def _apply(quote: Quote, actor, now: datetime) -> None:
    """Make the license changes an accepted quote stands for, one per line."""
    lines = list(quote.lines.select_related("product"))
    for line in lines:
        common = {"seats": line.billed_seats, "actor": actor}
        if quote.kind == Quote.Kind.EXPANSION:
            line.seat_change = licensing.add_seats(
                license=quote.license,
                effective_on=quote.starts_on,
                prorated_amount=line.line_total,
                **common,
            )
            line.license = quote.license
            continue
        term = {
            "unit_price": line.unit_price,
            "starts_on": quote.starts_on,
            "ends_on": quote.ends_on,
        }
        if quote.kind == Quote.Kind.TRIAL_CONVERSION:
            line.license = licensing.convert_trial(trial=quote.trial, now=now, **term, **common)
        elif quote.kind == Quote.Kind.RENEWAL:
            line.license = licensing.renew_license(license=quote.license, **term, **common)
        else:
            line.license = licensing.create_license(
                company=quote.company, product=line.product, now=now, **term, **common
            )
    bulk_update_with_history(lines, QuoteLine, ["license", "seat_change"], default_user=actor)


@transaction.atomic
def accept_quote(*, quote: Quote, actor, now: datetime | None = None, online_by: str = "") -> Quote:
    """Record the client's acceptance and make the licenses: a new license, a trial
    conversion, added seats (prorated) or the next term. Licenses send license_started.
    `online_by` names the signer when the client accepted from the quote's link (the
    timeline says which way it came; figures count both alike)."""
    quote = _locked(quote)
    _check_sent(quote, "accept")
    now = now or timezone.now()
    if quote.valid_until < timezone.localdate(now):
        raise ValidationError(f"{quote.reference} expired on {quote.valid_until}; revise it.")
    _apply(quote, actor, now)
    quote.status = Quote.Status.ACCEPTED
    quote.accepted_at = now
    quote.save(update_fields=["status", "accepted_at", "updated_at"])
    _log(quote, f"accepted online by {online_by}" if online_by else "marked accepted", actor, now)
    # A draft revision opened before the client said yes can never be sent: close it.
    drafts = list(
        Quote.objects.select_for_update().filter(previous_revision=quote, status=Quote.Status.DRAFT)
    )
    for draft in drafts:
        draft.status = Quote.Status.CLOSED
        draft.save(update_fields=["status", "updated_at"])
        _log(draft, f"closed unsent: {quote.reference} was accepted", actor, now)
    _restage(quote, *drafts)
    return quote


@transaction.atomic
def decline_quote(
    *,
    quote: Quote,
    actor,
    now: datetime | None = None,
    reason_code: str = "",
    reason: str = "",
    online_by: str = "",
) -> Quote:
    """Record that the client declined, with their reason if given: one of
    Quote.DeclineReason (kept for the dashboard's "why we lose"; "other" needs the text)
    and the text in their words; `online_by` as in accept_quote. An expired quote may be
    marked lost later the same way: it keeps its expiry date, which its decision counts by."""
    limits.check(reason, [limits.text_of_at_most(limits.TEXT_REASON)], "reason")
    reason = reason.strip()
    if reason_code and reason_code not in Quote.DeclineReason.values:
        raise ValidationError({"reason_code": "Choose a reason from the list."})
    if reason_code == Quote.DeclineReason.OTHER and not reason:
        raise ValidationError({"reason": "Say what the other reason is."})
    quote = _locked(quote)
    expired = quote.status == Quote.Status.EXPIRED
    if not expired:
        _check_sent(quote, "decline")
    quote.status = Quote.Status.DECLINED
    quote.declined_at = now or timezone.now()
    quote.decline_reason_code, quote.decline_reason = reason_code, reason
    quote.save(
        update_fields=[
            "status",
            "declined_at",
            "decline_reason_code",
            "decline_reason",
            "updated_at",
        ]
    )
    how = f"declined online by {online_by}" if online_by else "marked declined"
    if expired:
        how = "marked lost after it expired"
    said = ": ".join(part for part in (quote.get_decline_reason_code_display(), reason) if part)
    message = f"{how}: {said}" if said else how
    _restage(quote)
    _log(quote, message, actor, quote.declined_at)
    return quote


@transaction.atomic
def expire_quote(*, quote: Quote, now: datetime | None = None) -> Quote:
    """Expire a sent quote whose validity has passed."""
    quote = _locked(quote)
    _check_sent(quote, "expire")
    now = now or timezone.now()
    if quote.valid_until >= timezone.localdate(now):
        raise ValidationError(f"{quote.reference} is valid until {quote.valid_until}.")
    quote.status = Quote.Status.EXPIRED
    quote.expired_at = now
    quote.save(update_fields=["status", "expired_at", "updated_at"])
    _restage(quote)
    _log(quote, "expired", None, now)
    return quote
