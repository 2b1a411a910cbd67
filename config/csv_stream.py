"""CSV files streamed as they are written, shared by the finance exports and the lists'
exports (no app imports: config/ is the ground floor).

UTF-8 with a byte order mark and a header row, numbers with a dot decimal and no thousands
separator, ISO dates, and text cells that a spreadsheet would run as a formula prefixed with
an apostrophe."""

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone

# Cells starting with these are formulas to Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Excel reads a CSV file as the system's legacy code page unless it starts with a UTF-8 byte
# order mark: with it, "Zürich" and "Gdańsk" open as written (other tools skip the mark).
# Money stays a plain number ("4320.00") beside its currency column, so that Excel sums it.
BOM = "\ufeff"


def cell(value):
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
    yield BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def attachment(content, filename: str, content_type: str) -> StreamingHttpResponse:
    return StreamingHttpResponse(
        content,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def csv_response(header: list[str], rows: Iterable[list], filename: str) -> StreamingHttpResponse:
    return attachment(csv_lines(header, rows), filename, "text/csv; charset=utf-8")
