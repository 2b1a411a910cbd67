"""Formatting of dashboard figures (money and percentages: the seatdesk library)."""

from decimal import Decimal

from django import template

from sales.metrics import rate

register = template.Library()
MISSING = "—"


@register.filter
def days(value: Decimal | None) -> str:
    if value is None:
        return MISSING
    return f"{value.normalize():f} days"


@register.filter
def share(part, whole) -> Decimal | None:
    """part / whole as a fraction (see sales.metrics.rate), for `|percent`."""
    return rate(part, whole)
