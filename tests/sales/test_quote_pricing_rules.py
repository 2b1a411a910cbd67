"""Issue 12, quote side: an approval holds for the price approved, one line per product,
the decimal comma in a percentage; through the service, the builder, its live price and the
admin (the API in tests/api/test_quote_figures.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sales import services
from sales.models import Quote
from sales.pricing import LineInput
from tests.accounts.factories import ContactFactory
from tests.licensing.factories import ProductFactory
from tests.sales.factories import make_quote
from tests.sales.quote_figures_support import TODAY, builder_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, account_manager):
    client.force_login(account_manager)
    return client


# 1. An approval holds for the price that was approved


@pytest.fixture
def approved_quote(company, product, finance):
    quote = make_quote(company=company, product=product, seats=20, discount_percent=Decimal("20"))
    return services.approve_quote(quote=quote, actor=finance)


def _usd_product():
    return ProductFactory(currency="USD", tiers=[(1, Decimal("50.00"))])


PRICE_CHANGES = {
    "term 12 -> 120 months": lambda quote, product: {"term_months": 120},
    "start date a month later": lambda quote, product: {
        "starts_on": quote.starts_on + timedelta(days=31)
    },
    "discount": lambda quote, product: {"discount_percent": Decimal("25")},
    "tax": lambda quote, product: {"tax_percent": Decimal("10")},
    "seats": lambda quote, product: {"lines": [LineInput(product, 40)]},
    "seats within the same block": lambda quote, product: {"lines": [LineInput(product, 18)]},
    "another product": lambda quote, product: {"lines": [LineInput(ProductFactory(), 20)]},
    "another currency": lambda quote, product: {"lines": [LineInput(_usd_product(), 20)]},
    "a second line": lambda quote, product: {
        "lines": [LineInput(product, 20), LineInput(ProductFactory(), 5)]
    },
}

PAYMENT_NEUTRAL_CHANGES = {
    "notes": lambda quote, product: {"notes": "Kick-off in January."},
    "terms": lambda quote, product: {"terms": "Payment within 30 days."},
    "validity": lambda quote, product: {"valid_until": timezone.localdate() + timedelta(days=9)},
    "recipient": lambda quote, product: {"contact": ContactFactory(company=quote.company)},
    "the same lines again": lambda quote, product: {"lines": [LineInput(product, 20)]},
}


@pytest.mark.parametrize("change", PRICE_CHANGES.values(), ids=PRICE_CHANGES.keys())
def test_a_change_to_what_the_customer_pays_withdraws_the_approval(
    approved_quote, product, account_manager, change
):
    quote = services.update_quote(
        quote=approved_quote, actor=account_manager, **change(approved_quote, product)
    )
    quote.refresh_from_db()
    assert quote.approval == Quote.Approval.PENDING and quote.approved_by is None
    with pytest.raises(ValidationError, match="needs approval"):
        services.send_quote(quote=quote, actor=account_manager)


@pytest.mark.parametrize(
    "change", PAYMENT_NEUTRAL_CHANGES.values(), ids=PAYMENT_NEUTRAL_CHANGES.keys()
)
def test_a_change_that_leaves_the_price_keeps_the_approval(
    approved_quote, product, account_manager, finance, change
):
    quote = services.update_quote(
        quote=approved_quote, actor=account_manager, **change(approved_quote, product)
    )
    quote.refresh_from_db()
    assert quote.approval == Quote.Approval.APPROVED and quote.approved_by == finance


def test_a_price_book_change_since_the_approval_withdraws_it_at_the_next_edit(
    approved_quote, product, account_manager
):
    product.price_tiers.filter(min_seats=1).update(unit_price=Decimal("45.00"))
    quote = services.update_quote(quote=approved_quote, actor=account_manager, notes="Hello")
    assert quote.approval == Quote.Approval.PENDING


@pytest.mark.parametrize(
    "field, value", [("term_months", 120), ("starts_on", "+31"), ("tax_percent", "10")]
)
def test_the_builder_form_withdraws_the_approval_when_the_price_changes(
    signed_in, approved_quote, product, field, value
):
    if value == "+31":
        value = (approved_quote.starts_on + timedelta(days=31)).isoformat()
    data = builder_data(approved_quote, [(product, 20)], **{field: value})
    response = signed_in.post(reverse("quote_edit", args=[approved_quote.pk]), data)
    assert response.status_code == 302, response.content.decode()
    approved_quote.refresh_from_db()
    assert approved_quote.approval == Quote.Approval.PENDING


def test_the_builder_form_keeps_the_approval_when_only_the_notes_change(
    signed_in, approved_quote, product
):
    data = builder_data(approved_quote, [(product, 20)], notes="See you in January")
    response = signed_in.post(reverse("quote_edit", args=[approved_quote.pk]), data)
    assert response.status_code == 302, response.content.decode()
    approved_quote.refresh_from_db()
    assert approved_quote.approval == Quote.Approval.APPROVED


# 2. One line per product


def test_the_same_product_on_two_lines_is_refused_by_the_service(company, product):
    with pytest.raises(ValidationError, match="already on line 1") as refused:
        services.create_quote(
            company=company,
            actor=company.owner,
            lines=[LineInput(product, 10), LineInput(product, 15)],
        )
    assert "put all its seats on one line" in " ".join(refused.value.messages)
    assert not Quote.objects.exists()


def test_the_same_product_on_two_lines_is_refused_on_edit(company, product, account_manager):
    quote = make_quote(company=company, product=product, seats=10)
    with pytest.raises(ValidationError, match="already on line 1"):
        services.update_quote(
            quote=quote,
            actor=account_manager,
            lines=[LineInput(product, 10), LineInput(ProductFactory(), 5), LineInput(product, 5)],
        )
    assert quote.lines.get().requested_seats == 10


def test_the_builder_and_its_price_preview_refuse_the_same_product_twice(
    signed_in, company, product
):
    quote = Quote(company=company, contact=company.contacts.get(), starts_on=timezone.localdate())
    data = builder_data(quote, [(product, 10), (product, 15)])
    url = reverse("quote_create") + f"?company={company.pk}"
    page = signed_in.post(url, data).content.decode()
    assert "is already on line 1" in page and not Quote.objects.exists()
    preview = signed_in.post(
        reverse("quote_price_new") + f"?company={company.pk}", data, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "is already on line 1" in preview


# 6. The decimal comma in a percentage


@pytest.mark.parametrize(
    "typed, read",
    [
        ("17,5", Decimal("17.5")),
        ("1,5", Decimal("1.5")),
        ("17.5", Decimal("17.5")),
        (" 12 % ", Decimal("12")),
        ("0,25", Decimal("0.25")),
    ],
)
def test_the_builder_reads_a_decimal_comma_as_the_decimal_separator(
    signed_in, company, product, typed, read
):
    quote = Quote(
        company=company,
        contact=company.contacts.get(),
        starts_on=timezone.localdate(),
        discount_justification="Launch offer",  # 17.5 % needs approval
    )
    data = builder_data(quote, [(product, 10)], discount_percent=typed, tax_percent=typed)
    response = signed_in.post(reverse("quote_create") + f"?company={company.pk}", data)
    assert response.status_code == 302, response.content.decode()
    saved = Quote.objects.get()
    assert (saved.discount_percent, saved.tax_percent) == (read, read)


@pytest.mark.parametrize(
    "typed, message",
    [
        ("1.000,5", "one decimal separator"),
        ("1,000", "no more than 2 decimal places"),
        ("17,5,0", "one decimal separator"),
        ("175", "Enter a percentage between 0 and 100."),
        ("١٢", "digits 0-9"),
        ("abc", "Enter a number"),
    ],
)
def test_the_builder_refuses_a_percentage_it_cannot_read_for_sure(
    signed_in, company, product, typed, message
):
    quote = Quote(company=company, contact=company.contacts.get(), starts_on=timezone.localdate())
    data = builder_data(quote, [(product, 10)], discount_percent=typed)
    page = signed_in.post(reverse("quote_create") + f"?company={company.pk}", data)
    assert message in page.content.decode() and not Quote.objects.exists()


def test_the_percentages_are_text_inputs_so_the_browser_keeps_the_comma(signed_in, company):
    page = signed_in.get(reverse("quote_create") + f"?company={company.pk}").content.decode()
    assert 'type="text" name="discount_percent"' in page
    assert 'inputmode="decimal"' in page


def test_the_price_preview_reads_a_decimal_comma(signed_in, company, product):
    quote = Quote(company=company, contact=company.contacts.get(), starts_on=timezone.localdate())
    data = builder_data(quote, [(product, 10)], discount_percent="17,5")
    page = signed_in.post(
        reverse("quote_price_new") + f"?company={company.pk}", data, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Discount (17.5%)" in page and "70.00" in page  # 17.5% of 400.00


def test_the_admin_reads_a_decimal_comma_in_a_percentage(client, admin, company, product):
    client.force_login(admin)
    data = {
        "company": company.pk,
        "kind": Quote.Kind.NEW,
        "contact": company.contacts.get().pk,
        "term_months": 12,
        "starts_on": TODAY.isoformat(),
        "discount_percent": "1,5",
        "tax_percent": "17,5",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": product.pk,
        "lines-0-requested_seats": 10,
    }
    response = client.post(reverse("admin:sales_quote_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    quote = Quote.objects.get()
    assert (quote.discount_percent, quote.tax_percent) == (Decimal("1.5"), Decimal("17.5"))
