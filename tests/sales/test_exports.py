import csv
import io
import struct
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from rest_framework.test import APIClient

from sales import exports, services
from sales.models import Quote, QuoteLine
from tests.accounts.factories import CompanyFactory, ContactFactory, make_api_token
from tests.licensing.factories import LicenseFactory
from tests.sales.factories import make_quote, send_and_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def quotes(company, product, other_account_manager):
    """Three quotes sent in November 2026 (two by `am`, one by `am2`), one sent in October,
    one draft."""

    def sent(company, seats, day, **fields):
        quote = make_quote(company=company, product=product, seats=seats, **fields)
        when = datetime(2026, *day, 10, 0, tzinfo=timezone.get_current_timezone())
        return send_and_work(quote=quote, actor=company.owner, now=when)

    other = CompanyFactory(name="Zeta Works", owner=other_account_manager)
    ContactFactory(company=other, is_primary=True)
    return {
        "november": [
            sent(company, 23, (11, 2), tax_percent=Decimal("20")),
            sent(company, 130, (11, 15), kind=Quote.Kind.NEW),
            sent(other, 7, (11, 20)),
        ],
        "october": sent(company, 10, (10, 5)),
        "draft": make_quote(company=company, product=product),
    }


def read_csv(response) -> list[dict]:
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only after this mark
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


NOVEMBER = {"period_start": "2026-11-01", "period_end": "2026-11-30"}


def test_the_quotes_csv_totals_equal_the_database_totals(client, finance, quotes):
    client.force_login(finance)
    response = client.get(reverse("finance_export", args=["quotes.csv"]), NOVEMBER)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response)
    november = Quote.objects.filter(pk__in=[q.pk for q in quotes["november"]])
    assert sorted(row["number"] for row in rows) == sorted(q.number for q in november)
    assert sum(Decimal(row["total"]) for row in rows) == november.aggregate(t=Sum("total"))["t"]
    first = next(row for row in rows if row["number"] == quotes["november"][0].number)
    assert (first["subtotal"], first["tax_amount"], first["total"]) == (
        "875.00",
        "175.00",
        "1050.00",
    )
    assert first["sent_on"] == "2026-11-02" and first["valid_until"] == "2026-12-02"


def test_the_quote_lines_csv_totals_equal_the_database_totals(client, finance, quotes):
    client.force_login(finance)
    rows = read_csv(client.get(reverse("finance_export", args=["quote-lines.csv"]), NOVEMBER))

    lines = QuoteLine.objects.filter(quote__in=quotes["november"])
    assert len(rows) == lines.count()
    assert (
        sum(Decimal(row["line_total"]) for row in rows) == lines.aggregate(t=Sum("line_total"))["t"]
    )
    big = next(row for row in rows if row["requested_seats"] == "130")
    assert (big["billed_seats"], big["seat_block_size"], big["unit_price"]) == ("130", "5", "30.00")


def test_the_licenses_csv_lists_company_product_seats_price_term_and_annual_value(
    client, finance, company, product
):
    LicenseFactory(
        company=company,
        product=product,
        seats=1250,
        unit_price=Decimal("1234.50"),
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    LicenseFactory(company=company, starts_on=date(2024, 1, 1), ends_on=date(2024, 12, 31))
    client.force_login(finance)
    rows = read_csv(client.get(reverse("finance_export", args=["licenses.csv"]), NOVEMBER))

    assert rows == [
        {
            "company": company.name,
            "product": product.name,
            "seats": "1250",
            "unit_price": "1234.50",
            "billing_period": "year",
            "currency": "EUR",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "status": "active",
            "annual_value": "1543125.00",
        }
    ]


def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_defused(
    client, finance, product, account_manager
):
    company = CompanyFactory(
        name='=HYPERLINK("http://evil.example","Click")', owner=account_manager
    )
    services.send_quote(quote=make_quote(company=company, product=product), actor=account_manager)
    client.force_login(finance)
    rows = read_csv(client.get(reverse("finance_export", args=["quotes.csv"])))

    assert rows[0]["company"] == "'" + company.name


def test_the_filter_narrows_by_status_owner_and_kind(
    client, finance, quotes, other_account_manager
):
    services.decline_quote(quote=quotes["november"][0], actor=quotes["november"][0].owner)
    client.force_login(finance)
    url = reverse("finance_export", args=["quotes.csv"])

    declined = read_csv(client.get(url, {"status": "declined"}))
    by_owner = read_csv(client.get(url, {"owner": other_account_manager.pk}))
    renewals = read_csv(client.get(url, {"kind": "renewal"}))

    assert [row["number"] for row in declined] == [quotes["november"][0].number]
    assert [row["company"] for row in by_owner] == ["Zeta Works"]
    assert renewals == []


def test_the_zip_holds_one_pdf_per_quote_of_the_filter_with_readable_names(client, finance, quotes):
    client.force_login(finance)
    response = client.get(reverse("finance_export", args=["quote-pdfs.zip"]), NOVEMBER)

    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    expected = {f"{q.number}-rev1-{slugify(q.company.name)}.pdf": q for q in quotes["november"]}
    assert "-rev1-zeta-works.pdf" in " ".join(expected)
    assert sorted(archive.namelist()) == sorted(expected)
    for name, quote in expected.items():
        quote.pdf.open("rb")
        assert archive.read(name) == quote.pdf.read()
        sent = timezone.localtime(quote.sent_at)
        assert archive.getinfo(name).date_time[:5] == sent.timetuple()[:5]


def test_a_zip_of_more_than_65535_files_holds_every_file():
    # Past the classic format's 16-bit file count the zip needs its zip64 end records.
    moment = timezone.now()
    files = ((f"{n}.pdf", moment, io.BytesIO(b"%PDF" + bytes(n % 7))) for n in range(65_537))

    data = b"".join(exports.zip_chunks(files))

    archive = zipfile.ZipFile(io.BytesIO(data))
    assert len(archive.infolist()) == 65_537
    assert archive.read("65536.pdf") == b"%PDF" + bytes(65_536 % 7)
    # Readers that trust the file count (unzip, Windows) find the true one in the zip64 record
    # that the locator, just before the end record, points to.
    assert struct.unpack_from("<H", data, len(data) - 12) == (0xFFFF,)
    (zip64_end,) = struct.unpack_from("<Q", data, len(data) - 22 - 20 + 8)
    assert data[zip64_end : zip64_end + 4] == b"PK\x06\x06"
    assert struct.unpack_from("<Q", data, zip64_end + 32) == (65_537,)


def test_the_exports_page_shows_the_filtered_quotes_and_their_total(client, finance, quotes):
    client.force_login(finance)
    response = client.get(reverse("finance_exports"), NOVEMBER)

    page = response.content.decode()
    assert response.status_code == 200
    assert quotes["november"][0].number in page and quotes["october"].number not in page
    assert "<strong>3</strong> quotes in EUR" in page
    assert 'href="/exports/quotes.csv?period_start=2026-11-01&amp;period_end=2026-11-30"' in page


def test_the_exports_page_keeps_a_constant_number_of_queries(
    client, finance, company, product, django_assert_max_num_queries
):
    client.force_login(finance)
    for _ in range(3):
        services.send_quote(quote=make_quote(company=company, product=product), actor=finance)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("finance_exports")).status_code == 200
    for _ in range(12):
        services.send_quote(quote=make_quote(company=company, product=product), actor=finance)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("finance_exports")).status_code == 200


def test_a_filter_that_is_not_a_date_is_explained(client, finance):
    client.force_login(finance)
    page = client.get(reverse("finance_exports"), {"period_start": "last tuesday"})
    download = client.get(reverse("finance_export", args=["quotes.csv"]), {"period_start": "x"})

    assert "Enter a valid date." in page.content.decode()
    assert download.status_code == 400


@pytest.mark.parametrize(
    ("role", "status"),
    [("finance", 200), ("admin", 200), ("account_manager", 403), ("support", 403)],
)
def test_only_finance_and_administrators_reach_the_exports(client, request, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("finance_exports")).status_code == status
    assert client.get(reverse("finance_export", args=["quotes.csv"])).status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("finance", 200),
        ("admin", 200),
        ("account_manager", 200),
        ("other_account_manager", 403),
        ("support", 404),  # sees no quote at all
    ],
)
def test_who_may_download_a_quote_pdf(client, request, company, product, role, status):
    quote = services.send_quote(
        quote=make_quote(company=company, product=product), actor=company.owner
    )
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("quote_pdf", args=[quote.pk]))

    assert response.status_code == status
    if status == 200:
        filename = f"{quote.number}-rev1-{slugify(company.name)}.pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_a_quote_that_does_not_exist_is_not_found(client, finance):
    client.force_login(finance)
    assert client.get(reverse("quote_pdf", args=[999999])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, quotes):
    response = client.get(reverse("quote_pdf", args=[quotes["october"].pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def api(user):
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_api_token(user)}")
    return api_client


def test_the_api_exports_the_same_csv_as_the_page(client, finance, quotes):
    client.force_login(finance)
    page = b"".join(
        client.get(reverse("finance_export", args=["quotes.csv"]), NOVEMBER).streaming_content
    )
    response = api(finance).get("/api/v1/exports/quotes.csv", NOVEMBER, HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == page


def test_the_api_zip_and_licenses_follow_the_same_filter(finance, quotes):
    zip_response = api(finance).get("/api/v1/exports/quote-pdfs.zip", NOVEMBER)
    licenses = api(finance).get("/api/v1/exports/licenses.csv", NOVEMBER)
    lines = api(finance).get("/api/v1/exports/quote-lines.csv", {"status": "sent"})

    archive = zipfile.ZipFile(io.BytesIO(b"".join(zip_response.streaming_content)))
    assert len(archive.namelist()) == 3
    assert read_csv(licenses) == []
    assert len(read_csv(lines)) == 4


def test_the_api_answers_a_bad_filter_with_field_errors(finance):
    response = api(finance).get("/api/v1/exports/quotes.csv", {"status": "draft"})
    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.parametrize(
    ("role", "export_status", "pdf_status"),
    [
        ("finance", 200, 200),
        ("account_manager", 403, 200),
        ("other_account_manager", 403, 403),
        ("support", 403, 404),
    ],
)
def test_the_api_applies_the_same_roles(request, quotes, role, export_status, pdf_status):
    user = request.getfixturevalue(role)
    quote = quotes["october"]

    assert api(user).get("/api/v1/exports/quotes.csv").status_code == export_status
    response = api(user).get(f"/api/v1/quotes/{quote.pk}/pdf/")
    assert response.status_code == pdf_status
    if pdf_status == 200:
        assert b"".join(response.streaming_content) == quote.pdf.read()
