"""Formatting for quote documents (PDF, emails, the document panel): money is written as on
every page ("1,050.00 EUR", licensing.pricing.format_money), so a figure reads the same in
the PDF the customer gets and on the screen finance checks it against."""

from django import template

from licensing.templatetags.seatdesk import money

register = template.Library()
register.filter("money", money)
