"""API list pages: time to answer a full page of 200 rows of each resource."""

import statistics
import time

from tests.bench.support import setup_django

ROWS = 200
RUNS = 5
TARGET_MS = 500


def bench_api_list_pages():
    setup_django()
    from django.db import connection
    from django.test.utils import setup_test_environment
    from rest_framework.test import APIClient

    from accounts.roles import Role, sync_role_groups
    from tests.accounts.factories import CompanyFactory, ContactFactory, UserFactory
    from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
    from tests.sales.factories import make_quote

    setup_test_environment()
    database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        sync_role_groups()
        finance = UserFactory(username="bench-finance", role=Role.FINANCE)
        owner = UserFactory(username="bench-am", role=Role.ACCOUNT_MANAGER)
        for _ in range(ROWS):
            company = CompanyFactory(owner=owner)
            ContactFactory(company=company, is_primary=True)
            product = ProductFactory(tiers=[(1, "10.00"), (50, "8.00")])
            TrialFactory(company=company, product=product)
            LicenseFactory(company=company, product=product)
            make_quote(company=company, product=product, seats=12)
        client = APIClient()
        client.force_authenticate(finance)
        rows = []
        for resource in ["companies", "contacts", "products", "trials", "licenses", "quotes"]:
            timings = []
            for _ in range(RUNS):
                started = time.perf_counter()
                response = client.get(f"/api/v1/{resource}/", {"page_size": ROWS})
                timings.append((time.perf_counter() - started) * 1000)
                assert len(response.json()["results"]) == ROWS
            median = statistics.median(timings)
            rows.append(
                {
                    "name": f"GET /api/v1/{resource}/ ({ROWS} rows)",
                    "value": round(median, 1),
                    "unit": "ms",
                    "target": f"< {TARGET_MS} ms",
                    "ok": median < TARGET_MS,
                }
            )
        return rows
    finally:
        connection.creation.destroy_test_db(database, verbosity=0)
