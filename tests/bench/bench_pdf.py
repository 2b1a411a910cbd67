"""Quote PDFs and finance exports: render time against WeasyPrint's floor, stored download
time, zip export peak memory, memory growth over many renders.

`make bench` (or `python -m tests.bench pdf`). Runs on a throwaway test database."""

import gc
import statistics
import time
import tracemalloc
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from tests.bench.support import setup_django

RUNS = {10: 15, 40: 15, 150: 7}
FLOOR_HTML = "<p>Quote</p>"
# What WeasyPrint itself needs for the lines of a typical quote, with nothing of ours: 40 rows
# of six one-word cells, nothing else on the page, in each way HTML lays out columns (and,
# for comparison, the same words with no columns at all). It shows how much of a render is
# the library laying out cells rather than our template.
_ROWS = "<div>{}</div>".format("<span>Seats</span>" * 6) * 40
_TABLE_ROWS = "<tr>{}</tr>".format("<td>Seats</td>" * 6) * 40
BARE_LAYOUTS = {
    "a fixed table": f'<table style="width: 100%; table-layout: fixed">{_TABLE_ROWS}</table>',
    "a grid": "<style>div { display: grid; grid-template-columns: repeat(6, 1fr) }</style>" + _ROWS,
    "inline blocks": "<style>span { display: inline-block; width: 16% }</style>" + _ROWS,
    "no columns, one text a row": "<div>Seats Seats Seats Seats Seats Seats</div>" * 40,
}


@contextmanager
def throwaway_database():
    """A migrated test database, a temporary media folder and the test environment (emails
    kept in memory, the test client's host allowed), all undone afterwards."""
    import tempfile

    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_django()
    setup_test_environment()
    with tempfile.TemporaryDirectory() as media:
        settings.MEDIA_ROOT = media
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            yield
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()


def _company():
    from accounts.roles import Role
    from tests.accounts.factories import CompanyFactory, ContactFactory, UserFactory

    owner = UserFactory(role=Role.ACCOUNT_MANAGER)
    company = CompanyFactory(owner=owner, name="Bench Logistics International")
    ContactFactory(company=company, is_primary=True)
    return company


def _quote(company, lines: int):
    from sales.pricing import LineInput
    from sales.services import create_quote
    from tests.licensing.factories import ProductFactory

    tiers = [(1, Decimal("40.00")), (25, Decimal("35.00"))]
    return create_quote(  # a quote names each product once: one product per line
        company=company,
        actor=company.owner,
        contact=company.contacts.get(),
        lines=[LineInput(ProductFactory(tiers=tiers), 5 + 3 * n) for n in range(lines)],
        tax_percent=Decimal("20"),
    )


def _timings(function, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU times (ms) of `runs` warm calls. The machine is shared, so wall time
    wanders with the load of others; the process's CPU time is the steadier figure."""
    function()  # warm: templates, stylesheet and fonts loaded
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def _p95(timings: list[float]) -> float:
    return sorted(timings)[max(0, round(0.95 * len(timings)) - 1)]


def _ms(name: str, value: float, **target) -> dict:
    return {"name": name, "value": round(value, 1), "unit": "ms", **target}


def bench_render():
    rows = []
    with throwaway_database():
        from weasyprint import HTML

        from sales.pdf import render_quote_pdf

        floor_wall, floor_cpu = (
            statistics.median(times)
            for times in _timings(lambda: HTML(string=FLOOR_HTML).write_pdf(), 15)
        )
        rows += [
            _ms("pdf floor: one-line WeasyPrint page, median", floor_wall),
            _ms("pdf floor: one-line WeasyPrint page, CPU median", floor_cpu),
        ]
        company = _company()
        for lines, runs in RUNS.items():
            quote = _quote(company, lines)
            wall, cpu = _timings(lambda quote=quote: render_quote_pdf(quote), runs)
            median, cpu_median = statistics.median(wall), statistics.median(cpu)
            typical = lines == 40
            p95_target = {"target": "< 150", "ok": _p95(wall) < 150} if typical else {}
            ratio_target = {"target": "<= 3", "ok": median / floor_wall <= 3} if typical else {}
            cpu_ratio_target = (
                {"target": "<= 3", "ok": cpu_median / floor_cpu <= 3} if typical else {}
            )
            rows += [
                _ms(f"pdf render {lines} lines, median", median),
                _ms(f"pdf render {lines} lines, p95", _p95(wall), **p95_target),
                _ms(f"pdf render {lines} lines, CPU median", cpu_median),
                _ms(f"pdf render {lines} lines, CPU p95", _p95(cpu)),
                {
                    "name": f"pdf render {lines} lines / floor (median)",
                    "value": round(median / floor_wall, 1),
                    "unit": "x",
                    **ratio_target,
                },
                {
                    "name": f"pdf render {lines} lines / floor (CPU median)",
                    "value": round(cpu_median / floor_cpu, 1),
                    "unit": "x",
                    **cpu_ratio_target,
                },
            ]
        for layout, html in BARE_LAYOUTS.items():
            wall, _ = _timings(lambda html=html: HTML(string=html).write_pdf(), 7)
            median = statistics.median(wall)
            rows += [
                _ms(f"weasyprint alone: 40x6 words as {layout}, median", median),
                {
                    "name": f"weasyprint alone: 40x6 words as {layout} / floor",
                    "value": round(median / floor_wall, 1),
                    "unit": "x",
                },
            ]
    return rows


def bench_stored_download():
    with throwaway_database():
        from django.test import Client
        from django.urls import reverse

        from sales.pdf import draw_pdf
        from sales.services import send_quote

        company = _company()
        quote = draw_pdf(send_quote(quote=_quote(company, 40), actor=company.owner))
        client = Client()
        client.force_login(company.owner)
        url = reverse("quote_pdf", args=[quote.pk])

        def download():
            response = client.get(url)
            assert b"".join(response.streaming_content)[:4] == b"%PDF"

        timings, _ = _timings(download, 50)
    return [
        {
            "name": "sent quote pdf download (stored), median",
            "value": round(statistics.median(timings), 1),
            "unit": "ms",
            "target": "< 50",
            "ok": statistics.median(timings) < 50,
        }
    ]


def _sent_copies(quote, count: int) -> None:
    """`count` sent quotes, each with a PDF file of its own (copies of one rendered quote:
    sending renders each, which would make the set-up minutes long)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from sales.models import Quote

    quote.pdf.open("rb")
    data = quote.pdf.read()
    quote.pdf.close()
    copies = []
    for n in range(count):
        name = default_storage.save(f"quotes/bench/Q-2026-{n + 2:05d}.pdf", ContentFile(data))
        copy = Quote.objects.get(pk=quote.pk)
        copy.pk, copy.number, copy.pdf = None, f"Q-2026-{n + 2:05d}", name
        copies.append(copy)
    Quote.objects.bulk_create(copies)


def _zip_peak(quotes) -> tuple[float, int]:
    from sales.exports import pdf_zip_chunks

    gc.collect()
    tracemalloc.start()
    size = sum(len(chunk) for chunk in pdf_zip_chunks(quotes))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024, size


def bench_zip_memory():
    rows = []
    with throwaway_database():
        from sales.exports import exported_quotes
        from sales.pdf import draw_pdf
        from sales.services import send_quote

        company = _company()
        quote = draw_pdf(send_quote(quote=_quote(company, 10), actor=company.owner))
        _sent_copies(quote, 199)
        peaks = {}
        for count in (50, 200):
            quotes = exported_quotes().filter(pk__in=exported_quotes().values("pk")[:count])
            peaks[count], size = _zip_peak(quotes)
            rows.append(
                {
                    "name": f"zip export of {count} quotes ({size // 1024} KiB), peak memory",
                    "value": round(peaks[count]),
                    "unit": "KiB",
                }
            )
        # The zip's central directory (one record per file) waits in a temporary file, so
        # nothing in memory grows with the number of quotes.
        per_quote = (peaks[200] - peaks[50]) / 150
        rows += [
            {
                "name": "zip peak memory, 200 quotes / 50 quotes",
                "value": round(peaks[200] / peaks[50], 2),
                "unit": "x",
                "target": "1 (the same)",
                "ok": peaks[200] / peaks[50] < 1.05,
            },
            {
                "name": "zip peak memory growth per extra quote",
                "value": round(per_quote, 2),
                "unit": "KiB",
                "target": "0",
                "ok": per_quote < 0.1,
            },
        ]
    return rows


def _rss_kib() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4


def bench_render_memory_growth():
    renders = 300
    with throwaway_database():
        from sales.pdf import render_quote_pdf

        quote = _quote(_company(), 10)
        for _ in range(20):  # caches (fonts, stylesheet, templates) fill up first
            render_quote_pdf(quote)
        gc.collect()
        before = _rss_kib()
        for _ in range(renders):
            render_quote_pdf(quote)
        gc.collect()
        growth = (_rss_kib() - before) / renders
    return [
        {
            "name": f"memory growth over {renders} renders (RSS), per render",
            "value": round(growth, 1),
            "unit": "KiB",
            "target": "< 512",
            "ok": growth < 512,
        }
    ]
