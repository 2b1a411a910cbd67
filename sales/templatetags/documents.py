"""Formatting for quote documents (PDF, emails, the document panel)."""

from decimal import Decimal

from django import template

from licensing.pricing import quantize

register = template.Library()

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


@register.filter
def money(amount: Decimal, currency: str) -> str:
    """1050 EUR -> "€1,050.00"; a currency without a known symbol keeps its code: "1,050 JPY"."""
    number = f"{quantize(amount, currency):,}"
    symbol = SYMBOLS.get(currency.upper())
    return f"{symbol}{number}" if symbol else f"{number} {currency.upper()}"


@register.filter
def formula(line, quote) -> str:
    """How a line's total comes about, co-termed for an expansion: "15 × 36.00 × 134/365 =
    198.25 EUR" (QuoteLine.formula)."""
    return line.formula(quote.coterm, quote.currency)
