"""Finance exports, shared by the exports page and the API: one filter of quotes (and of
licenses), CSV files and a zip of PDFs, all streamed.

CSV files are UTF-8 without BOM with a header row, numbers with a dot decimal and no
thousands separator, ISO dates, and text cells that a spreadsheet would run as a formula
prefixed with an apostrophe."""

import csv
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet, Sum
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from accounts.forms import DateInput
from licensing.models import License
from sales.models import Quote, QuoteLine
from sales.pdf import open_pdf, pdf_filename

# Cells starting with these are formulas to Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Rows fetched per database round trip while streaming; fewer for the zip, whose time goes
# to reading files, so that its memory stays flat from a few dozen quotes on.
CHUNK_SIZE = 200
ZIP_CHUNK_SIZE = 20


DATE = DateInput(attrs={"class": "form-control"})
SELECT = forms.Select(attrs={"class": "form-select"})


def _owners(request):
    return get_user_model().objects.filter(quotes__isnull=False).distinct().order_by("username")


class QuoteExportFilter(django_filters.FilterSet):
    period_start = django_filters.DateFilter(
        field_name="sent_at", lookup_expr="date__gte", label="Sent from", widget=DATE
    )
    period_end = django_filters.DateFilter(
        field_name="sent_at", lookup_expr="date__lte", label="Sent until", widget=DATE
    )
    status = django_filters.ChoiceFilter(
        choices=[c for c in Quote.Status.choices if c[0] != Quote.Status.DRAFT],
        empty_label="Any status",
        widget=SELECT,
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=_owners, label="Account manager", empty_label="Anyone", widget=SELECT
    )
    kind = django_filters.ChoiceFilter(
        choices=Quote.Kind.choices, empty_label="Any kind", widget=SELECT
    )

    class Meta:
        model = Quote
        fields = ["period_start", "period_end", "status", "owner", "kind"]


class LicenseExportFilter(django_filters.FilterSet):
    """The same period and owner as the quote filter: licenses whose term meets the period."""

    period_start = django_filters.DateFilter(field_name="ends_on", lookup_expr="gte")
    period_end = django_filters.DateFilter(field_name="starts_on", lookup_expr="lte")
    owner = django_filters.ModelChoiceFilter(field_name="company__owner", queryset=_owners)

    class Meta:
        model = License
        fields = ["period_start", "period_end", "owner"]


def exported_quotes() -> QuerySet[Quote]:
    return Quote.objects.issued().with_parties().order_by("sent_at", "id")


def exported_licenses() -> QuerySet[License]:
    return License.objects.select_related("company", "product").order_by("company__name", "id")


def quote_totals(quotes: QuerySet[Quote]) -> list[dict]:
    """Count and total of the quotes per currency."""
    return list(
        quotes.order_by()
        .values("currency")
        .annotate(count=Count("id"), total=Sum("total"))
        .order_by("currency")
    )


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


class _Echo:
    """A file-like object that hands back what is written, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])


def _sent_on(quote: Quote) -> date | None:
    return timezone.localdate(quote.sent_at) if quote.sent_at else None


def _owner_name(quote: Quote) -> str:
    return quote.owner.get_full_name() or quote.owner.username


QUOTE_HEADER = [
    "number", "revision", "status", "kind", "company", "recipient", "recipient_email",
    "account_manager", "sent_on", "valid_until", "starts_on", "term_months", "currency",
    "subtotal", "discount_percent", "discount_amount", "tax_percent", "tax_amount", "total",
    "pdf_sha256",
]  # fmt: skip


def _quote_rows(quotes: QuerySet[Quote]) -> Iterator[list]:
    for quote in quotes.iterator(chunk_size=CHUNK_SIZE):
        contact = quote.contact
        yield [
            quote.number, quote.revision, quote.status, quote.kind, quote.company.name,
            contact.full_name if contact else "", contact.email if contact else "",
            _owner_name(quote), _sent_on(quote), quote.valid_until, quote.starts_on,
            quote.term_months, quote.currency, quote.subtotal, quote.discount_percent,
            quote.discount_amount, quote.tax_percent, quote.tax_amount, quote.total,
            quote.pdf_sha256,
        ]  # fmt: skip


LINE_HEADER = [
    "quote_number", "revision", "status", "company", "sent_on", "position", "product_code",
    "product", "requested_seats", "billed_seats", "seat_block_size", "unit_price",
    "billing_period", "months", "line_total", "currency",
]  # fmt: skip


def _line_rows(quotes: QuerySet[Quote]) -> Iterator[list]:
    lines = (
        QuoteLine.objects.filter(quote__in=quotes.values("pk"))
        .select_related("quote__company", "product")
        .order_by("quote__sent_at", "quote_id", "position", "id")
    )
    for line in lines.iterator(chunk_size=CHUNK_SIZE):
        quote = line.quote
        yield [
            quote.number, quote.revision, quote.status, quote.company.name, _sent_on(quote),
            line.position + 1, line.product.code, line.product.name, line.requested_seats,
            line.billed_seats, line.seat_block_size, line.unit_price,
            line.product.billing_period, line.months, line.line_total, quote.currency,
        ]  # fmt: skip


LICENSE_HEADER = [
    "company", "product", "seats", "unit_price", "billing_period", "currency", "starts_on",
    "ends_on", "status", "annual_value",
]  # fmt: skip


def _license_rows(licenses: QuerySet[License]) -> Iterator[list]:
    for license in licenses.iterator(chunk_size=CHUNK_SIZE):
        yield [
            license.company.name, license.product.name, license.seats, license.unit_price,
            license.product.billing_period, license.currency, license.starts_on,
            license.ends_on, license.status, license.annual_value,
        ]  # fmt: skip


def _attachment(content, filename: str, content_type: str) -> StreamingHttpResponse:
    return StreamingHttpResponse(
        content,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def quotes_csv(quotes: QuerySet[Quote]) -> StreamingHttpResponse:
    rows = csv_lines(QUOTE_HEADER, _quote_rows(quotes))
    return _attachment(rows, "quotes.csv", "text/csv; charset=utf-8")


def quote_lines_csv(quotes: QuerySet[Quote]) -> StreamingHttpResponse:
    rows = csv_lines(LINE_HEADER, _line_rows(quotes))
    return _attachment(rows, "quote-lines.csv", "text/csv; charset=utf-8")


def licenses_csv(licenses: QuerySet[License]) -> StreamingHttpResponse:
    rows = csv_lines(LICENSE_HEADER, _license_rows(licenses))
    return _attachment(rows, "licenses.csv", "text/csv; charset=utf-8")


class _Chunks:
    """A write-only, unseekable file for zipfile: it keeps what was written until drained."""

    def __init__(self):
        self._chunks: list[bytes] = []

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def pdf_zip_chunks(quotes: QuerySet[Quote]) -> Iterator[bytes]:
    """The zip of the quotes' PDFs, yielded file by file: memory holds one PDF at a time,
    whatever the number of quotes. PDFs are already compressed, hence the lightest level;
    not "stored", which streaming readers (Java's ZipInputStream) refuse with a data
    descriptor, and an unseekable output needs data descriptors."""
    output = _Chunks()
    archive = zipfile.ZipFile(output, mode="w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    with archive:
        for quote in quotes.iterator(chunk_size=ZIP_CHUNK_SIZE):
            with open_pdf(quote) as document, archive.open(pdf_filename(quote), "w") as entry:
                while block := document.read(64 * 1024):
                    entry.write(block)
            yield output.drain()
    yield output.drain()


def quote_pdfs_zip(quotes: QuerySet[Quote]) -> StreamingHttpResponse:
    return _attachment(pdf_zip_chunks(quotes), "quote-pdfs.zip", "application/zip")


def pdf_response(quote: Quote) -> FileResponse:
    """The quote's PDF as a download: the stored bytes of a sent quote, a fresh draft render."""
    return FileResponse(
        open_pdf(quote),
        as_attachment=True,
        filename=pdf_filename(quote),
        content_type="application/pdf",
    )


@dataclass(frozen=True)
class Export:
    filterset: type[django_filters.FilterSet]
    queryset: Callable[[], QuerySet]
    respond: Callable[[QuerySet], StreamingHttpResponse]


EXPORTS = {
    "quotes.csv": Export(QuoteExportFilter, exported_quotes, quotes_csv),
    "quote-lines.csv": Export(QuoteExportFilter, exported_quotes, quote_lines_csv),
    "licenses.csv": Export(LicenseExportFilter, exported_licenses, licenses_csv),
    "quote-pdfs.zip": Export(QuoteExportFilter, exported_quotes, quote_pdfs_zip),
}
