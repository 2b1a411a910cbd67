"""Sending a quote: the server time of the send request (the PDF is drawn after the commit,
by a worker) and 20 sends at the same moment, each in its own thread and connection, with
their numbers checked gapless.

`python -m tests.bench send`, on PostgreSQL for the concurrent figure:
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/seatdesk_bench REDIS_URL=redis://127.0.0.1:6379/0`.
Tasks are published to REDIS_URL (an in-memory broker without it) and not run: the figures
are the web process's, as in production where a worker draws the PDF."""

import statistics
import threading
import time
from decimal import Decimal

from tests.bench.bench_pdf import _company, _p95, throwaway_database

SENDS = 30
CONCURRENT = 20
LINES = 40  # a typical quote (see bench_pdf)


def _drafts(company, count: int) -> list:
    """`count` drafts of LINES lines, one product a line (a quote holds a product once)."""
    from sales.pricing import LineInput
    from sales.services import create_quote
    from tests.licensing.factories import ProductFactory

    products = [
        ProductFactory(tiers=[(1, Decimal("40.00")), (25, Decimal("35.00"))]) for _ in range(LINES)
    ]
    return [
        create_quote(
            company=company,
            actor=company.owner,
            contact=company.contacts.get(),
            lines=[LineInput(product, 5 + 3 * n) for n, product in enumerate(products)],
            tax_percent=Decimal("20"),
        )
        for _ in range(count)
    ]


def _published_not_run():
    """Celery publishes to the broker, as in production, instead of running tasks here."""
    from django.conf import settings

    from config.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = settings.REDIS_URL or "memory://"
    return app


def _send(client, quote) -> tuple[float, float]:
    """Wall and CPU time (ms) of one send request. The machine is shared: the web process's
    CPU time is the steadier figure, wall time adds the waits on a loaded database."""
    from django.urls import reverse

    started, started_cpu = time.perf_counter(), time.process_time()
    response = client.post(reverse("quote_send", args=[quote.pk]), {"message": "As discussed"})
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    assert response.status_code == 302, response.status_code
    return wall * 1000, cpu * 1000


def _gapless(quotes) -> bool:
    from sales.models import Quote

    numbers = sorted(
        int(number.rsplit("-", 1)[1])
        for number in Quote.objects.filter(pk__in=[quote.pk for quote in quotes]).values_list(
            "number", flat=True
        )
    )
    return numbers == list(range(numbers[0], numbers[0] + len(quotes)))


def bench_send():
    with throwaway_database():
        from django.db import connection
        from django.test import Client

        app = _published_not_run()
        company = _company()
        client = Client()
        client.force_login(company.owner)
        drafts = _drafts(company, SENDS + 1 + CONCURRENT)
        batch = drafts[-CONCURRENT:]
        drafts = drafts[:-CONCURRENT]
        _send(client, drafts.pop())  # warm: templates, the first connection to the broker
        timings, cpu = zip(*(_send(client, draft) for draft in drafts), strict=True)

        start = threading.Barrier(CONCURRENT + 1)
        errors = []

        def send(quote):
            try:
                own = Client()
                own.force_login(company.owner)
                start.wait()
                _send(own, quote)
            except Exception as error:  # noqa: BLE001 - reported in the row
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=send, args=(quote,)) for quote in batch]
        for thread in threads:
            thread.start()
        start.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        wall = (time.perf_counter() - started) * 1000
        gapless = not errors and _gapless(batch)
        app.control.purge()  # the tasks no worker ran
    broker = "redis" if app.conf.broker_url.startswith("redis") else "in-memory"
    database = connection.vendor
    return [
        {
            "name": f"send a {LINES}-line quote ({database}, {broker} broker), median",
            "value": round(statistics.median(timings), 1),
            "unit": "ms",
        },
        {
            "name": f"send a {LINES}-line quote ({database}, {broker} broker), p95",
            "value": round(_p95(timings), 1),
            "unit": "ms",
            "target": "<= 150",
            "ok": _p95(timings) <= 150,
        },
        {
            "name": f"send a {LINES}-line quote, web process CPU median",
            "value": round(statistics.median(cpu), 1),
            "unit": "ms",
        },
        {
            "name": f"send a {LINES}-line quote, web process CPU p95",
            "value": round(_p95(cpu), 1),
            "unit": "ms",
            "target": "<= 150",
            "ok": _p95(cpu) <= 150,
        },
        {
            "name": f"{CONCURRENT} concurrent sends ({database}), wall, numbers gapless: "
            f"{'yes' if gapless else 'NO ' + repr(errors[:1])}",
            "value": round(wall, 1),
            "unit": "ms",
            "target": "< 2000 and gapless",
            "ok": wall < 2000 and gapless,
        },
    ]
