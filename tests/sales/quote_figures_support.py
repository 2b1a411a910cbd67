"""Shared by the quote-figures tests: what the builder posts, and licenses held today."""

from datetime import timedelta

from django.utils import timezone


def builder_data(quote, lines, **fields):
    """What the quote builder posts for `quote`, with `lines` as (product, seats); the
    lines of a saved draft come back as its initial forms."""
    data = {
        "contact": quote.contact_id,
        "term_months": quote.term_months,
        "starts_on": quote.starts_on.isoformat(),
        "valid_until": "",
        "discount_percent": str(quote.discount_percent),
        "discount_justification": quote.discount_justification,
        "tax_percent": str(quote.tax_percent),
        "notes": quote.notes,
        "terms": quote.terms,
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": len(lines) if quote.pk else 0,
    }
    for number, (product, seats) in enumerate(lines):
        data[f"lines-{number}-product"] = product.pk
        data[f"lines-{number}-requested_seats"] = seats
    return {**data, **fields}


TODAY = timezone.localdate()
HELD = {
    "running": {"starts_on": TODAY - timedelta(days=30), "ends_on": TODAY + timedelta(days=334)},
    "starting next month": {
        "starts_on": TODAY + timedelta(days=31),
        "ends_on": TODAY + timedelta(days=395),
    },
    "its end passed, not yet expired": {
        "starts_on": TODAY - timedelta(days=400),
        "ends_on": TODAY - timedelta(days=35),
    },
}
ENDED = ["expired", "cancelled", "renewed"]
