"""Formatting for quote documents (PDF, emails, the document panel): money is written as on
every page ("1,050.00 EUR", licensing.pricing.format_money), so a figure reads the same in
the PDF the customer gets and on the screen finance checks it against."""

from django import template

from licensing.templatetags.seatdesk import money

register = template.Library()
register.filter("money", money)


@register.filter
def formula(line, quote) -> str:
    """How a line's total comes about, co-termed for an expansion: "15 × 36.00 × 134/365 =
    198.25 EUR" (QuoteLine.formula)."""
    return line.formula(quote.coterm, quote.currency)
