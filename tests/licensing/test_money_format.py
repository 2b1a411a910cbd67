"""One money format everywhere: pages, PDFs, emails and timeline messages write
"4,320.00 EUR" through licensing.pricing.format_money."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from licensing.pricing import format_money


@pytest.mark.parametrize(
    ("amount", "currency", "written"),
    [
        (Decimal("4320"), "EUR", "4,320.00 EUR"),
        (Decimal("0.005"), "EUR", "0.01 EUR"),
        (Decimal("1234567.891"), "usd", "1,234,567.89 USD"),
        (Decimal("1050"), "JPY", "1,050 JPY"),
    ],
)
def test_money_is_written_with_thousands_separators_and_the_code_after(amount, currency, written):
    assert format_money(amount, currency) == written


@pytest.mark.parametrize("library", ["seatdesk", "documents"])
def test_the_page_and_the_document_filters_write_money_the_same_way(library):
    template = Template(f"{{% load {library} %}}{{{{ amount|money:'EUR' }}}}")
    assert template.render(Context({"amount": Decimal("4320")})) == "4,320.00 EUR"
