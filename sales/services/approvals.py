"""Approval of a draft's discount above the threshold: approve or refuse it. (Whether a
quote needs one is decided in quotes, as it is created and edited.)"""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import limits
from sales import approval_emails
from sales.models import Quote
from sales.services.quotes import _check_draft, _locked, _log, _restage


def _check_awaiting_approval(quote: Quote) -> None:
    _check_draft(quote)
    if quote.approval not in (Quote.Approval.PENDING, Quote.Approval.REJECTED):
        raise ValidationError(f"{quote.reference} does not need an approval.")


@transaction.atomic
def approve_quote(*, quote: Quote, actor, comment: str = "") -> Quote:
    """Approve a draft's discount above the threshold, so it may be sent; the account
    manager and the approver are emailed."""
    quote = _locked(quote)
    _check_awaiting_approval(quote)
    quote.approval, quote.approved_by, quote.approval_comment = (
        Quote.Approval.APPROVED,
        actor,
        comment,
    )
    limits.check_fields(quote, "approval_comment")
    quote.save(update_fields=["approval", "approved_by", "approval_comment", "updated_at"])
    _restage(quote)
    _log(quote, f"discount of {quote.discount_percent}% approved", actor)
    approval_emails.queue_answer_emails(quote, actor)
    return quote


@transaction.atomic
def reject_quote(*, quote: Quote, actor, comment: str) -> Quote:
    """Refuse a draft's discount; the comment tells the account manager why (emailed to them
    and the approver)."""
    if not comment.strip():
        raise ValidationError({"comment": "Say why the discount is refused."})
    quote = _locked(quote)
    _check_awaiting_approval(quote)
    quote.approval, quote.approved_by, quote.approval_comment = (
        Quote.Approval.REJECTED,
        actor,
        comment,
    )
    limits.check_fields(quote, "approval_comment")
    quote.save(update_fields=["approval", "approved_by", "approval_comment", "updated_at"])
    _restage(quote)
    _log(quote, f"discount of {quote.discount_percent}% refused: {comment}", actor)
    approval_emails.queue_answer_emails(quote, actor)
    return quote
