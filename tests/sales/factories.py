from decimal import Decimal

from django.db.models import F
from django.test import TestCase

from sales.models import Quote, QuoteLink, stage_of
from sales.pricing import LineInput, needs_approval
from sales.services import create_quote, send_quote
from tests.accounts.factories import ContactFactory


def make_quote(*, company, product, seats=23, actor=None, **fields):
    """A priced draft quote made the way users make them: through the service."""
    contact = (
        fields.pop("contact", None)
        or company.contacts.filter(is_primary=True).first()
        or ContactFactory(company=company, is_primary=True)
    )
    if needs_approval(fields.get("discount_percent", Decimal("0"))):
        fields.setdefault("discount_justification", "Matches the competitor's offer")
    return create_quote(
        company=company,
        actor=actor or company.owner,
        contact=contact,
        lines=[LineInput(product, seats)],
        **fields,
    )


def send_and_work(*, quote, actor=None, **fields):
    """Send a draft as a request does, then let the worker run once the send commits (here,
    in process): the quote's PDF is drawn and stored, its email goes."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        quote = send_quote(quote=quote, actor=actor or quote.owner, **fields)
    quote.refresh_from_db()
    return quote


def misstaged():
    """The quotes whose stored pipeline stage is not the one stage_of computes."""
    return Quote.objects.annotate(computed=stage_of(Quote, QuoteLink)).exclude(stage=F("computed"))
