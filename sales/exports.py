"""Finance exports, shared by the exports page and the API: one filter of quotes (and of
licenses), CSV files and a zip of PDFs, all streamed.

CSV files are written as config/csv_stream.py says (formula-like text cells defused)."""

import struct
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet, Sum
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from accounts.forms import DateInput
from config.csv_stream import attachment, csv_response
from licensing.models import License
from licensing.pricing import term_days
from sales.models import Quote, QuoteLine
from sales.pdf import PDFNotDrawn, open_pdf, pdf_filename

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
        choices=[c for c in Quote.Status.choices if c[0] not in Quote.UNSENT],
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


# The order in which the totals break down by status; "won or open" adds the first two.
TOTAL_STATUSES = (
    Quote.Status.ACCEPTED,
    Quote.Status.SENT,
    Quote.Status.DECLINED,
    Quote.Status.EXPIRED,
)


def quote_totals(quotes: QuerySet[Quote]) -> list[dict]:
    """Per currency, the quotes counted once per number at their latest sent revision
    (Quote.objects.latest_sent): count and total, split by status, and the won-or-open
    total (accepted or awaiting an answer). Earlier revisions are listed, never counted."""
    rows = (
        quotes.latest_sent()
        .order_by()
        .values("currency", "status")
        .annotate(count=Count("id"), total=Sum("total"))
    )
    totals: dict[str, dict] = {}
    for row in rows:
        currency = totals.setdefault(
            row["currency"],
            {"currency": row["currency"], "count": 0, "total": Decimal("0.00"), "statuses": {}},
        )
        currency["count"] += row["count"]
        currency["total"] += row["total"]
        currency["statuses"][row["status"]] = row
    for currency in totals.values():
        statuses = currency.pop("statuses")
        currency["by_status"] = [
            {**statuses[status], "label": Quote.Status(status).label}
            for status in TOTAL_STATUSES
            if status in statuses
        ]
        currency["won_or_open"] = sum(
            (statuses[s]["total"] for s in TOTAL_STATUSES[:2] if s in statuses), Decimal("0.00")
        )
    return [totals[currency] for currency in sorted(totals)]


def earlier_revisions(quotes: QuerySet[Quote]) -> int:
    """How many of `quotes` are revisions that a later sent revision replaces in totals."""
    return quotes.count() - quotes.latest_sent().count()


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
    "billing_period", "months", "line_total", "currency", "period_starts_on", "period_ends_on",
    "period_days", "term_days", "prorated",
]  # fmt: skip


def _period(quote: Quote) -> list:
    """The period a line pays for; an expansion's share of its license term ("134/365")."""
    coterm = quote.coterm
    if coterm is None:
        days = term_days(quote.starts_on, quote.ends_on)
        return [quote.starts_on, quote.ends_on, days, days, ""]
    return [coterm.starts_on, coterm.ends_on, coterm.days, coterm.term_days, coterm.fraction]


def _line_rows(quotes: QuerySet[Quote]) -> Iterator[list]:
    lines = (
        QuoteLine.objects.filter(quote__in=quotes.values("pk"))
        .select_related("quote__company", "quote__license", "product")
        .order_by("quote__sent_at", "quote_id", "position", "id")
    )
    for line in lines.iterator(chunk_size=CHUNK_SIZE):
        quote = line.quote
        yield [
            quote.number, quote.revision, quote.status, quote.company.name, _sent_on(quote),
            line.position + 1, line.product.code, line.product.name, line.requested_seats,
            line.billed_seats, line.seat_block_size, line.unit_price,
            line.product.billing_period, line.months, line.line_total, quote.currency,
            *_period(quote),
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


def quotes_csv(quotes: QuerySet[Quote]) -> StreamingHttpResponse:
    return csv_response(QUOTE_HEADER, _quote_rows(quotes), "quotes.csv")


def quote_lines_csv(quotes: QuerySet[Quote]) -> StreamingHttpResponse:
    return csv_response(LINE_HEADER, _line_rows(quotes), "quote-lines.csv")


def licenses_csv(licenses: QuerySet[License]) -> StreamingHttpResponse:
    return csv_response(LICENSE_HEADER, _license_rows(licenses), "licenses.csv")


# Zip records (PKWARE APPNOTE 4.3): local header, data descriptor, central directory header,
# zip64 end of central directory record and locator, end of central directory record.
LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
DATA_DESCRIPTOR = struct.Struct("<IIII")
DIRECTORY_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
ZIP64_END = struct.Struct("<IQHHIIQQQQ")
ZIP64_LOCATOR = struct.Struct("<IIQI")
END = struct.Struct("<IHHHHIIH")
# Sizes after a file's data (it is streamed, its CRC and sizes known only then), UTF-8 names.
FLAGS = 0x08 | 0x800
DEFLATED = 8
# Made on Unix (so that unzip keeps rw-r--r--), version 4.5 (zip64).
MADE_BY, NEEDED = 0x0300 | 45, 45
FILE_MODE = 0o100644 << 16
LIMIT_32, LIMIT_16 = 0xFFFFFFFF, 0xFFFF


def _dos_time(moment: datetime) -> tuple[int, int]:
    moment = timezone.localtime(moment)
    time = moment.hour << 11 | moment.minute << 5 | moment.second // 2
    return time, (max(moment.year, 1980) - 1980) << 9 | moment.month << 5 | moment.day


def zip_chunks(files: Iterable[tuple[str, datetime, BinaryIO]]) -> Iterator[bytes]:
    """A zip of (name, modified, file) written front to back for a streamed download, each
    file deflated block by block. The central directory, one record per file that a zip
    keeps until its end, waits in a temporary file: memory is the same for 10 files or
    100,000. Zip64 end records when the archive passes 65,535 files or 4 GiB."""
    offset = count = 0
    with tempfile.TemporaryFile() as directory:
        for name, modified, source in files:
            encoded, (time, day) = name.encode(), _dos_time(modified)
            common = (NEEDED, FLAGS, DEFLATED, time, day)
            header = LOCAL_HEADER.pack(0x04034B50, *common, 0, 0, 0, len(encoded), 0)
            yield header + encoded
            # PDFs are compressed already: the lightest level. Deflated, not stored: streaming
            # readers (Java's ZipInputStream) refuse stored files with a data descriptor.
            compressor = zlib.compressobj(1, zlib.DEFLATED, -zlib.MAX_WBITS)
            crc = size = compressed = 0
            while block := source.read(64 * 1024):
                crc, size = zlib.crc32(block, crc), size + len(block)
                if data := compressor.compress(block):
                    compressed += len(data)
                    yield data
            data = compressor.flush()
            compressed += len(data)
            sizes = (crc, compressed, size)
            yield data + DATA_DESCRIPTOR.pack(0x08074B50, *sizes)
            extra = struct.pack("<HHQ", 1, 8, offset) if offset >= LIMIT_32 else b""
            names = (len(encoded), len(extra), 0)
            place = (0, 0, FILE_MODE, min(offset, LIMIT_32))
            record = DIRECTORY_HEADER.pack(0x02014B50, MADE_BY, *common, *sizes, *names, *place)
            directory.write(record + encoded + extra)
            offset += len(header) + len(encoded) + compressed + DATA_DESCRIPTOR.size
            count += 1
        size = directory.tell()
        directory.seek(0)
        while block := directory.read(64 * 1024):
            yield block
    end = offset + size
    if count >= LIMIT_16 or end >= LIMIT_32:
        yield ZIP64_END.pack(0x06064B50, 44, MADE_BY, NEEDED, 0, 0, count, count, size, offset)
        yield ZIP64_LOCATOR.pack(0x07064B50, 0, end, 1)
    entries = min(count, LIMIT_16)
    yield END.pack(
        0x06054B50, 0, 0, entries, entries, min(size, LIMIT_32), min(offset, LIMIT_32), 0
    )


def _opened_pdfs(quotes: QuerySet[Quote]) -> Iterator[tuple[str, datetime, BinaryIO]]:
    for quote in quotes.iterator(chunk_size=ZIP_CHUNK_SIZE):
        with open_pdf(quote) as document:
            yield pdf_filename(quote), quote.sent_at or timezone.now(), document
        # Reading quote.pdf ties the quote and its FieldFile in a reference cycle that only
        # a full collection frees: untied, each quote goes as soon as its file is written.
        del quote.__dict__["pdf"]


def pdf_zip_chunks(quotes: QuerySet[Quote]) -> Iterator[bytes]:
    """The zip of the quotes' PDFs, streamed: memory holds one block of one PDF at a time."""
    return zip_chunks(_opened_pdfs(quotes))


def quote_pdfs_zip(quotes: QuerySet[Quote]) -> StreamingHttpResponse:
    return attachment(pdf_zip_chunks(quotes), "quote-pdfs.zip", "application/zip")


def pdf_response(quote: Quote, *, as_attachment: bool = True) -> FileResponse | HttpResponse:
    """The quote's PDF as a download: the stored bytes of a sent quote (drawn now if the
    worker has not yet), a fresh draft render; a 503 saying so when it cannot be drawn."""
    try:
        document = open_pdf(quote)
    except PDFNotDrawn as error:
        return HttpResponse(
            f"{error}. It will be tried again; try the download in a minute.",
            status=503,
            content_type="text/plain; charset=utf-8",
            headers={"Retry-After": "60"},
        )
    return FileResponse(
        document,
        as_attachment=as_attachment,
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
