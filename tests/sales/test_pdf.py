import hashlib
import io
import threading
from decimal import Decimal
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from licensing.models import PriceTier
from sales import services
from sales.pdf import render_quote_pdf
from sales.pricing import LineInput
from sales.templatetags.documents import money
from tests.licensing.factories import ProductFactory
from tests.sales.factories import make_quote, send_and_work

pytestmark = pytest.mark.django_db


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def sent_quote(company, product, **fields):
    return send_and_work(quote=make_quote(company=company, product=product, **fields))


def test_the_pdf_shows_the_number_client_seats_price_and_totals_of_the_database(company, product):
    quote = sent_quote(company, product, seats=23, tax_percent=Decimal("20"))
    line = quote.lines.get()
    text = "\n".join(pages_text(quote.pdf.read()))

    assert f"Number {quote.number}" in text
    assert company.name in text and quote.contact.full_name in text
    row = f"{line.product.name} {line.requested_seats} {line.billed_seats}\nin blocks of 5"
    assert row in text
    assert f"{money(line.unit_price, 'EUR')}\nper seat per year" in text
    assert f"12 months {money(line.line_total, 'EUR')}" in text
    assert f"Subtotal {money(quote.subtotal, 'EUR')}" in text
    assert f"Tax (20%) {money(quote.tax_amount, 'EUR')}" in text
    assert f"Total (EUR) {money(quote.total, 'EUR')}" in text
    assert (line.billed_seats, money(line.unit_price, "EUR"), money(quote.total, "EUR")) == (
        25,
        "35.00 EUR",
        "1,050.00 EUR",
    )
    assert "Page 1 of 1" in text
    assert "Signed for and on behalf of" in text and "Signature" in text


def test_the_pdf_carries_the_seller_letterhead_from_the_settings(company, product, settings):
    settings.SELLER = {**settings.SELLER, "name": "Blocks & Seats Ltd", "vat_id": "GB123456789"}
    text = "\n".join(pages_text(render_quote_pdf(make_quote(company=company, product=product))))
    assert "Blocks & Seats Ltd" in text and "GB123456789" in text


def test_the_seller_logo_is_a_local_file_and_a_remote_image_is_never_fetched(
    company, product, settings, tmp_path
):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), "navy").save(logo)
    settings.SELLER = {**settings.SELLER, "logo": str(logo)}
    quote = make_quote(company=company, product=product)
    assert len(PdfReader(io.BytesIO(render_quote_pdf(quote))).pages[0].images) == 1

    requests = []

    class LogoServer(SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(LogoServer, directory=tmp_path))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.SELLER["logo"] = f"http://127.0.0.1:{server.server_port}/logo.png"
        data = render_quote_pdf(quote)
    finally:
        server.shutdown()
    assert requests == [] and len(PdfReader(io.BytesIO(data)).pages[0].images) == 0


def test_a_quote_of_40_lines_runs_onto_several_pages_with_the_table_header_on_each(
    company, account_manager
):
    # One line per product: a quote holds a product once.
    products = [ProductFactory(name=f"Suite {n}") for n in range(40)]
    lines = [LineInput(products[n], 5 + n) for n in range(40)]
    quote = services.create_quote(
        company=company, actor=account_manager, contact=company.contacts.get(), lines=lines
    )
    pages = pages_text(render_quote_pdf(quote))

    pages_with_lines = [text for text in pages if "Suite " in text]
    assert len(pages_with_lines) >= 2
    assert sum(text.count("in blocks of 5") for text in pages) == 40
    for text in pages_with_lines:
        assert "Product Requested seats Billed seats Unit price Term Line total" in text
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text


def test_the_stored_pdf_and_its_hash_do_not_change_after_a_price_book_change(
    client, company, product, account_manager, django_assert_max_num_queries
):
    quote = sent_quote(company, product, seats=23)
    stored = quote.pdf.read()
    assert quote.pdf_sha256 == hashlib.sha256(stored).hexdigest()

    PriceTier.objects.filter(product=product).update(unit_price=Decimal("99.00"))
    product.name = "Renamed product"
    product.save()
    client.force_login(account_manager)
    with django_assert_max_num_queries(4):  # session, user, roles, the quote
        response = client.get(reverse("quote_pdf", args=[quote.pk]))

    downloaded = b"".join(response.streaming_content)
    quote.refresh_from_db()
    assert downloaded == stored
    assert hashlib.sha256(downloaded).hexdigest() == quote.pdf_sha256
    assert "35.00 EUR" in "".join(pages_text(downloaded))


def test_a_draft_pdf_carries_the_draft_mark_and_a_sent_one_does_not(company, product):
    draft = make_quote(company=company, product=product)
    assert "DRAFT" in pages_text(render_quote_pdf(draft))[0]

    sent = send_and_work(quote=draft)
    assert "DRAFT" not in "".join(pages_text(sent.pdf.read()))


def test_a_draft_is_rendered_fresh_and_not_stored(client, company, product, account_manager):
    draft = make_quote(company=company, product=product)
    client.force_login(account_manager)
    response = client.get(reverse("quote_pdf", args=[draft.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert f"draft-quote-{draft.pk}" in response["Content-Disposition"]
    assert "DRAFT" in pages_text(b"".join(response.streaming_content))[0]
    draft.refresh_from_db()
    assert not draft.pdf and draft.pdf_sha256 == ""


def test_the_pdf_shows_the_billing_address_vat_and_po_frozen_when_sent(company, product):
    company.billing_address = "Acme SAS\n12 rue de la Paix\n75002 Paris"
    company.vat_number = "FR12345678901"
    company.save()
    quote = make_quote(company=company, product=product, po_reference="PO-2026-0042")
    draft_text = pages_text(render_quote_pdf(quote))[0]
    assert "12 rue de la Paix" in draft_text and "VAT FR12345678901" in draft_text
    assert "Your PO reference: PO-2026-0042" in draft_text

    sent = send_and_work(quote=quote)
    company.billing_address, company.vat_number = "Elsewhere 1", "DE123456789"
    company.save()
    sent.refresh_from_db()
    redrawn = pages_text(render_quote_pdf(sent))[0]
    assert "12 rue de la Paix" in redrawn and "VAT FR12345678901" in redrawn
    assert "Elsewhere" not in redrawn
