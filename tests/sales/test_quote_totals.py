"""Issue 12, quote side: totals count each quote number once at its latest sent revision;
an expansion shows its co-termed period and prorated fraction (page, live price, PDF, CSV)."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from sales import services
from sales.metrics import Scope, quote_win_rate
from sales.models import Quote
from sales.pricing import LineInput
from tests.licensing.factories import LicenseFactory, ProductFactory
from tests.sales.factories import make_quote, send_and_work
from tests.sales.quote_figures_support import HELD, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, account_manager):
    client.force_login(account_manager)
    return client


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
    return send_and_work(quote=quote, actor=account_manager)


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
