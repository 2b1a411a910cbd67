"""Money and figures on the quote side (issue 12): approvals follow the price, one line per
product, no parallel license, proration shown, totals once per quote number, decimal comma,
one renewal draft. Each rule through the service and the browser form."""

import csv
import io
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from licensing.models import License, Trial
from licensing.services import convert_trial, create_license, start_trial
from sales import services
from sales.metrics import Scope, quote_win_rate
from sales.models import Quote
from sales.pricing import LineInput
from tests.accounts.factories import ContactFactory
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, account_manager):
    client.force_login(account_manager)
    return client


def builder_data(quote, lines, **fields):
    """What the quote builder posts for `quote`, with `lines` as (product, seats); the
    lines of a saved draft come back as its initial forms."""
    data = {
        "contact": quote.contact_id,
        "term_months": quote.term_months,
        "starts_on": quote.starts_on.isoformat(),
        "valid_until": "",
        "discount_percent": str(quote.discount_percent),
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
    quote = Quote(company=company, contact=company.contacts.get(), starts_on=timezone.localdate())
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
        ("175", "less than or equal to 100"),
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


# 3. No parallel license of a product the company holds

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


@pytest.fixture(params=HELD.values(), ids=HELD.keys())
def held_license(request, company, product):
    return LicenseFactory(company=company, product=product, seats=20, **request.param)


def test_a_new_business_quote_for_a_held_product_is_refused_with_the_way_forward(
    company, product, held_license
):
    with pytest.raises(ValidationError) as refused:
        make_quote(company=company, product=product)
    message = " ".join(refused.value.messages)
    assert f"already licenses {product}" in message
    assert "add seats to that license or renew it" in message
    assert not Quote.objects.exists()


def test_a_trial_of_a_held_product_is_refused(company, product, held_license, account_manager):
    with pytest.raises(ValidationError, match="already licenses"):
        start_trial(company=company, product=product, seats=10, actor=account_manager)
    assert not Trial.objects.exists()


@pytest.mark.parametrize("status", ENDED)
def test_a_product_whose_license_ended_can_be_quoted_and_tried_again(
    company, product, account_manager, status
):
    LicenseFactory(company=company, product=product, status=status)
    assert make_quote(company=company, product=product).kind == Quote.Kind.NEW
    assert start_trial(company=company, product=product, seats=5, actor=account_manager)


def test_another_companys_license_does_not_stand_in_the_way(company, product):
    LicenseFactory(product=product)
    assert make_quote(company=company, product=product).lines.count() == 1


def test_adding_a_held_product_to_a_draft_is_refused(company, product, account_manager):
    quote = make_quote(company=company, product=ProductFactory())
    LicenseFactory(company=company, product=product)
    with pytest.raises(ValidationError, match="already licenses"):
        services.update_quote(
            quote=quote,
            actor=account_manager,
            lines=[LineInput(quote.lines.get().product, 5), LineInput(product, 5)],
        )
    assert quote.lines.count() == 1


def test_a_quote_drafted_before_the_license_cannot_be_sent_or_accepted_after_it(
    company, product, account_manager
):
    draft = make_quote(company=company, product=product)
    sent = services.send_quote(quote=make_quote(company=company, product=product), actor=None)
    LicenseFactory(company=company, product=product)
    with pytest.raises(ValidationError, match="already licenses"):
        services.send_quote(quote=draft, actor=account_manager)
    with pytest.raises(ValidationError, match="already licenses"):
        services.accept_quote(quote=sent, actor=account_manager)
    sent.refresh_from_db()
    assert sent.status == Quote.Status.SENT and License.objects.count() == 1


def test_accepting_two_quotes_for_one_product_makes_one_license(company, product, account_manager):
    first, second = (
        services.send_quote(quote=make_quote(company=company, product=product), actor=None)
        for _ in range(2)
    )
    services.accept_quote(quote=first, actor=account_manager)
    with pytest.raises(ValidationError, match="already licenses"):
        services.accept_quote(quote=second, actor=account_manager)
    assert License.objects.filter(company=company, product=product).count() == 1


def test_a_license_is_not_created_beside_a_held_one_by_any_path(
    company, product, held_license, account_manager
):
    trial = TrialFactory(company=company, product=product, starts_on=TODAY, ends_on=TODAY)
    term = {"seats": 5, "unit_price": Decimal("40"), "starts_on": TODAY, "actor": None}
    with pytest.raises(ValidationError, match="already licenses"):
        create_license(company=company, product=product, ends_on=TODAY + timedelta(days=9), **term)
    with pytest.raises(ValidationError, match="already licenses"):
        convert_trial(trial=trial, ends_on=TODAY + timedelta(days=9), **term)
    assert License.objects.count() == 1


def test_expansion_and_renewal_quotes_of_the_held_license_are_still_drafted(
    company, product, account_manager
):
    license = LicenseFactory(company=company, product=product, **HELD["running"])
    expansion = services.draft_expansion_quote(
        license=license, seats=5, effective_on=TODAY, actor=account_manager
    )
    renewal = services.draft_renewal_quote(license=license, actor=account_manager)
    assert (expansion.kind, renewal.kind) == (Quote.Kind.EXPANSION, Quote.Kind.RENEWAL)


def test_the_builder_and_the_trial_form_refuse_a_held_product(
    signed_in, company, product, held_license
):
    quote = Quote(company=company, contact=company.contacts.get(), starts_on=TODAY)
    data = builder_data(quote, [(product, 10)])
    page = signed_in.post(reverse("quote_create") + f"?company={company.pk}", data)
    assert "already licenses" in page.content.decode() and not Quote.objects.exists()
    preview = signed_in.post(
        reverse("quote_price_new") + f"?company={company.pk}", data, HTTP_HX_REQUEST="true"
    )
    assert "add seats to that license or renew it" in preview.content.decode()
    trial_page = signed_in.post(
        reverse("trial_start", args=[company.pk]), {"product": product.pk, "seats": 5, "days": 14}
    )
    assert "already licenses" in trial_page.content.decode() and not Trial.objects.exists()


# 7. One renewal draft; a draft revision left behind by an acceptance is closed


@pytest.fixture
def running_license(company, product):
    return LicenseFactory(company=company, product=product, seats=20, **HELD["running"])


def test_drafting_the_renewal_twice_answers_with_the_first_draft(running_license, account_manager):
    first = services.draft_renewal_quote(license=running_license, actor=account_manager)
    second = services.draft_renewal_quote(license=running_license, actor=account_manager)
    assert second == first
    assert Quote.objects.filter(kind=Quote.Kind.RENEWAL).count() == 1


def test_a_sent_renewal_quote_is_the_one_answered_until_it_is_decided(
    running_license, account_manager
):
    first = services.draft_renewal_quote(license=running_license, actor=account_manager)
    services.send_quote(quote=first, actor=account_manager)
    assert services.draft_renewal_quote(license=running_license, actor=account_manager) == first
    services.decline_quote(quote=first, actor=account_manager)
    again = services.draft_renewal_quote(license=running_license, actor=account_manager)
    assert again != first and again.status == Quote.Status.DRAFT


def test_a_second_click_on_draft_renewal_opens_the_first_draft(
    signed_in, running_license, account_manager
):
    url = reverse("license_renew", args=[running_license.pk])
    first = signed_in.post(url)
    draft = Quote.objects.get(kind=Quote.Kind.RENEWAL)
    assert first.url == reverse("quote_edit", args=[draft.pk])
    second = signed_in.post(url, follow=True)
    assert second.redirect_chain[-1][0] == reverse("quote_edit", args=[draft.pk])
    assert f"{draft.reference} is this license&#x27;s renewal quote" in second.content.decode()
    services.send_quote(quote=draft, actor=account_manager)
    third = signed_in.post(url)
    assert third.url == reverse("quote_detail", args=[draft.pk])
    assert Quote.objects.filter(kind=Quote.Kind.RENEWAL).count() == 1


@pytest.mark.parametrize("kind", ["new", "renewal"])
def test_accepting_a_revision_closes_the_draft_revision_opened_after_it(
    signed_in, company, product, running_license, account_manager, kind
):
    if kind == "new":
        sent = make_quote(company=company, product=ProductFactory())
    else:
        sent = services.draft_renewal_quote(license=running_license, actor=account_manager)
    services.send_quote(quote=sent, actor=account_manager)
    draft = services.revise_quote(quote=sent, actor=account_manager)
    services.accept_quote(quote=sent, actor=account_manager)
    draft.refresh_from_db()
    assert draft.status == Quote.Status.CLOSED and draft.is_frozen
    page = signed_in.get(reverse("quote_detail", args=[draft.pk])).content.decode()
    assert "Send quote" not in page and "Edit quote" not in page
    assert "Closed unsent" in page
    with pytest.raises(ValidationError, match="closed unsent"):
        services.send_quote(quote=draft, actor=account_manager)
    assert draft not in Quote.objects.issued()


def _at_once(action, times: int) -> list:
    """Run `action` in `times` threads released together; answer their errors."""
    start, errors = threading.Barrier(times), []

    def run():
        try:
            start.wait()
            action()
        except Exception as error:  # noqa: BLE001 - reported by the caller's assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_draft_renewal_makes_one_draft(
    postgresql, running_license, account_manager
):
    errors = _at_once(
        lambda: services.draft_renewal_quote(license=running_license, actor=account_manager), 4
    )
    assert errors == []
    assert Quote.objects.filter(kind=Quote.Kind.RENEWAL).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_quotes_for_one_product_accepted_at_once_make_one_license(
    postgresql, company, product, account_manager
):
    sent = iter(
        [
            services.send_quote(quote=make_quote(company=company, product=product), actor=None)
            for _ in range(2)
        ]
    )
    lock = threading.Lock()

    def accept():
        with lock:
            quote = next(sent)
        services.accept_quote(quote=quote, actor=account_manager)

    errors = _at_once(accept, 2)
    assert len(errors) == 1 and "already licenses" in str(errors[0])
    assert License.objects.filter(company=company, product=product).count() == 1


# 5. Totals count each quote number once, at its latest sent revision


@pytest.fixture
def revised_book(company, account_manager):
    """Five quote numbers, seven sent revisions, one draft revision (40.00 a seat):
    Q1 400 sent, revised to 600 and sent (rev. 1 superseded); Q2 200 declined; Q3 800
    declined, revised to 400 and sent (rev. 1 stays declined); Q4 200 accepted; Q5 400 sent,
    with a draft revision not sent."""

    def sent(seats):
        quote = make_quote(company=company, product=ProductFactory(), seats=seats)
        return services.send_quote(quote=quote, actor=account_manager)

    def revised(quote, seats, send=True):
        revision = services.revise_quote(quote=quote, actor=account_manager)
        product = revision.lines.get().product
        revision = services.update_quote(
            quote=revision, actor=account_manager, lines=[LineInput(product, seats)]
        )
        return services.send_quote(quote=revision, actor=account_manager) if send else revision

    revised(sent(10), 15)
    services.decline_quote(quote=sent(5), actor=account_manager)
    q3 = services.decline_quote(quote=sent(20), actor=account_manager)
    revised(q3, 10)
    services.accept_quote(quote=sent(5), actor=account_manager)
    revised(sent(10), 20, send=False)


def test_latest_sent_counts_each_quote_number_once(revised_book):
    assert Quote.objects.issued().count() == 7
    latest = Quote.objects.latest_sent()
    assert latest.count() == 5 and len({quote.number for quote in latest}) == 5
    assert sorted((q.status, q.total) for q in latest) == sorted(
        [
            ("sent", Decimal("600.00")),
            ("declined", Decimal("200.00")),
            ("sent", Decimal("400.00")),
            ("accepted", Decimal("200.00")),
            ("sent", Decimal("400.00")),
        ]
    )


def test_the_exports_totals_count_the_latest_revisions_and_say_what_they_include(
    client, finance, revised_book
):
    client.force_login(finance)
    page = client.get(reverse("finance_exports")).content.decode()
    # The money format (€ or EUR) is the data-hygiene branch's; the figures are these.
    totals = page.split('data-testid="totals-EUR">')[1].split("</p>")[0]
    assert "<strong>5</strong> quotes in EUR, totalling <strong>" in totals
    for figure in ("1,800.00", "1 accepted", "3 sent", "1,400.00", "1 declined", "1,600.00"):
        assert figure in totals
    assert "Accepted or awaiting an answer" in totals
    assert "once, at its latest sent revision; 2 earlier revisions listed below are not" in page


def test_finances_home_counts_each_quote_sent_this_month_once(client, finance, revised_book):
    client.force_login(finance)
    page = client.get(reverse("home")).content.decode()
    assert "Quotes sent: 5 for 1,800.00 EUR" in page
    assert "Quotes accepted: 1 for 200.00 EUR" in page


def test_the_win_rate_counts_a_declined_revision_replaced_by_a_later_one_once(revised_book):
    today = timezone.localdate()
    figures = quote_win_rate(Scope(start=today, end=today, owner_id=None, today=today))
    assert (figures["quotes_decided"], figures["quotes_won"]) == (2, 1)


# 4. An expansion shows the co-termed period and the prorated fraction


@pytest.fixture
def expansion(company, product, account_manager):
    """15 seats added on 20 August to a 2026 license at 36.00: 134 of 365 days."""
    license = LicenseFactory(
        company=company,
        product=product,
        seats=20,
        unit_price=Decimal("36.00"),
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    quote = services.draft_expansion_quote(
        license=license, seats=15, effective_on=date(2026, 8, 20), actor=account_manager
    )
    return services.send_quote(quote=quote, actor=account_manager)


def test_an_expansion_prices_15_seats_at_134_of_365_days(expansion):
    line = expansion.lines.get()
    assert line.line_total == Decimal("198.25")  # 15 × 36.00 × 134 / 365 = 198.246...
    coterm = expansion.coterm
    assert (coterm.days, coterm.term_days, coterm.fraction) == (134, 365, "134/365")
    assert line.formula(coterm, "EUR") == "15 × 36.00 × 134/365 = 198.25 EUR"


def test_the_quote_page_shows_the_co_termed_period_and_the_formula(signed_in, expansion):
    page = signed_in.get(reverse("quote_detail", args=[expansion.pk])).content.decode()
    assert "Co-termed to the license" in page
    assert "134 of the term's 365 days" in page
    assert "15 × 36.00 × 134/365 = 198.25 EUR" in page


def test_the_pdf_shows_the_co_termed_period_and_the_formula(expansion):
    text = " ".join(page.extract_text() for page in PdfReader(expansion.pdf.open("rb")).pages)
    text = " ".join(text.split())
    assert "from 20 August 2026 to its end on 31 December 2026: 134 of the term's 365 days" in text
    assert "× 134/365" in text and "198.25" in text


def test_the_quote_lines_csv_gives_the_period_and_the_prorated_fraction(client, finance, expansion):
    client.force_login(finance)
    response = client.get(reverse("finance_export", args=["quote-lines.csv"]))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(content)))
    assert (row["period_starts_on"], row["period_ends_on"]) == ("2026-08-20", "2026-12-31")
    assert (row["period_days"], row["term_days"], row["prorated"]) == ("134", "365", "134/365")
    assert (row["billed_seats"], row["unit_price"], row["line_total"]) == ("15", "36.00", "198.25")


def test_the_live_price_of_add_seats_shows_the_period_and_fraction(signed_in, company, product):
    license = LicenseFactory(
        company=company, product=product, unit_price=Decimal("36.00"), **HELD["running"]
    )
    page = signed_in.post(
        reverse("license_add_seats", args=[license.pk]),
        {"seats": 15, "effective_on": TODAY.isoformat()},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    days = (license.ends_on - TODAY).days + 1
    term = (license.ends_on - license.starts_on).days + 1
    assert f"{days} of the term's {term} days" in page
    assert f"15 × 36.00 × {days}/{term} =" in page


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
