"""Formatting of dashboard figures: rates as percentages, money with its currency."""

from decimal import Decimal

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma

from sales.metrics import rate

register = template.Library()
MISSING = "—"


@register.filter
def percent(fraction: Decimal | None) -> str:
    """0.2429 -> "24.3 %"; None (nothing counted) -> a dash."""
    if fraction is None:
        return MISSING
    return f"{fraction * 100:.1f} %"


@register.filter
def money(amount: Decimal | None) -> str:
    """3650.00 -> "3,650.00 EUR"."""
    if amount is None:
        return MISSING
    return f"{intcomma(amount)} {settings.SEATDESK_CURRENCY}"


@register.filter
def days(value: Decimal | None) -> str:
    if value is None:
        return MISSING
    return f"{value.normalize():f} days"


@register.filter
def share(part, whole) -> Decimal | None:
    """part / whole as a fraction (see sales.metrics.rate), for `|percent`."""
    return rate(part, whole)
