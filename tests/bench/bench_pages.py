"""Company list speed: the same page with 40 and with 10,000 companies (each with a
contact, most with a license). Runs on a throwaway test database of its own."""

import statistics
import time
from datetime import timedelta
from decimal import Decimal

from tests.bench.support import setup_django

REQUESTS = 15
SMALL, LARGE = 40, 10_000
# "The same order of time": the large list may take at most this many times the small one.
MAX_RATIO = 3.0
QUERIES = {  # label: query string
    "first page by name": {},
    "search by contact name": {"q": "Ada"},
    "customers, highest value": {"status": "customer", "sort": "-value"},
    "lowest penetration": {"sort": "penetration"},
    "last page": {"page": "last"},
}


def _grow_to(count: int, owner, product) -> None:
    """Bulk-create companies (and their contacts and licenses) up to `count`."""
    from django.utils import timezone

    from accounts.models import Company, Contact
    from licensing.models import License

    have = Company.objects.count()
    companies = Company.objects.bulk_create(
        Company(
            name=f"Company {n:05d}",
            domain=f"c{n}.example",
            owner=owner,
            employee_count=50 + n % 950,
        )  # fmt: skip
        for n in range(have, count)
    )
    Contact.objects.bulk_create(
        Contact(
            company=c,
            first_name="Ada" if n % 100 == 0 else "Sam",
            last_name=f"N{n}",
            email=f"p{n}@c.example",
        )  # fmt: skip
        for n, c in enumerate(companies, start=have)
    )
    today = timezone.localdate()
    License.objects.bulk_create(
        License(
            company=c,
            product=product,
            seats=5 * (n % 20 + 1),
            unit_price=Decimal("40.00"),
            starts_on=today - timedelta(days=100),
            ends_on=today + timedelta(days=265),
        )  # fmt: skip
        for n, c in enumerate(companies, start=have)
        if n % 4
    )


def _time_page(client, params: dict) -> float:
    from django.urls import reverse

    url = reverse("company_list")
    client.get(url, params)  # warm caches and templates
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url, params)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(timings) * 1000


def bench_company_list():
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from tests.accounts.factories import UserFactory
        from tests.licensing.factories import ProductFactory

        owner = UserFactory(username="bench-am", role="Account managers")
        product = ProductFactory(tiers=[(1, Decimal("40.00"))])
        client = Client()
        client.force_login(owner)
        results = {}
        for size in (SMALL, LARGE):
            _grow_to(size, owner, product)
            pages = -(-size // 25)
            for label, params in QUERIES.items():
                params = {**params, "page": pages} if params.get("page") == "last" else params
                results[(label, size)] = _time_page(client, params)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    rows = []
    for label in QUERIES:
        small, large = results[(label, SMALL)], results[(label, LARGE)]
        rows.append({"name": f"company list, {label}, {SMALL} companies", "value": round(small, 1), "unit": "ms"})  # fmt: skip
        rows.append(
            {
                "name": f"company list, {label}, {LARGE} companies",
                "value": round(large, 1),
                "unit": "ms",
                "target": f"<= {MAX_RATIO:g} x the {SMALL}-company time ({small * MAX_RATIO:.0f} ms)",  # fmt: skip
                "ok": large <= small * MAX_RATIO,
            }
        )
    return rows
