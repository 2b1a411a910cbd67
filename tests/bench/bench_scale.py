"""Lists and search at 1,000 and 100,000 companies (`seed_demo --scale`): every list page,
search and API list, and the Django admin changelist of the same model, on the same data.

The two databases are pre-seeded PostgreSQL databases named by BENCH_SMALL_URL and
BENCH_LARGE_URL; without them, `seatdesk_bench_1k` and `seatdesk_bench_100k` on the server of
DATABASE_URL are used, seeded first if they do not exist (the 100k seed takes a while).
BENCH_REQUESTS (20) requests per page; the first one of each warms caches and is not counted.
BENCH_PAGES="search" measures only the pages whose label holds that text."""

import os
import statistics
import subprocess
import sys
import time

import environ

from tests.bench.support import setup_django

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "20"))
SIZES = {"1k": ("BENCH_SMALL_URL", 1_000), "100k": ("BENCH_LARGE_URL", 100_000)}
ONLY = os.environ.get("BENCH_PAGES", "")
MEDIAN_MS, P95_MS, MAX_GROWTH = 150, 250, 2.0

# label: (path, query, admin changelist of the same model and question, or None)
PAGES = {
    "company list": ("/companies/", {}, ("/admin/accounts/company/", {})),
    "company list, last page": ("/companies/", {"page": "last"}, None),
    "company list, highest value": ("/companies/", {"sort": "-value"}, None),
    "company list, lowest penetration": ("/companies/", {"sort": "penetration"}, None),
    "company list, lowest utilisation": ("/companies/", {"sort": "utilisation"}, None),
    "company list, under-used, by utilisation": (
        "/companies/",
        {"utilisation": "low", "sort": "utilisation"},
        None,
    ),
    "company list, oldest first": ("/companies/", {"sort": "created"}, None),
    "company search, name word": (
        "/companies/",
        {"q": "{company_word}"},
        ("/admin/accounts/company/", {"q": "{company_word}"}),
    ),
    "company search, contact name": ("/companies/", {"q": "{contact_name}"}, None),
    "company search, contact email": ("/companies/", {"q": "{contact_email}"}, None),
    "header search, name word": ("/search/", {"q": "{company_word}"}, None),
    "header search, contact name": ("/search/", {"q": "{contact_name}"}, None),
    "header search, quote number": ("/search/", {"q": "{quote_number}"}, None),
    "quote list": ("/quotes/", {}, ("/admin/sales/quote/", {})),
    "quote list, last page": ("/quotes/", {"page": "last"}, None),
    "quote list, largest total": ("/quotes/", {"sort": "-total"}, None),
    "pipeline, every owner": ("/pipeline/", {"owner": "all"}, None),
    "pipeline, later months": ("/pipeline/", {"owner": "all", "month": "later"}, None),
    "license list": ("/licenses/", {}, ("/admin/licensing/license/", {})),
    "license list, ending latest": ("/licenses/", {"sort": "-ends"}, None),
    "license list, over-deployed": ("/licenses/", {"utilisation": "over"}, None),
    "license list, renewals in 90 days by utilisation": (
        "/licenses/",
        {"due": "90", "sort": "utilisation"},
        None,
    ),
    "trial list": ("/trials/", {}, ("/admin/licensing/trial/", {})),
    "trial list, ending this week": ("/trials/", {"ending": "6"}, None),
    "api companies": ("/api/v1/companies/", {}, None),
    "api companies, search": ("/api/v1/companies/", {"search": "{company_word}"}, None),
    "api companies, last page": ("/api/v1/companies/", {"page": "last"}, None),
    "api contacts": ("/api/v1/contacts/", {}, ("/admin/accounts/contact/", {})),
    "api contacts, search": (
        "/api/v1/contacts/",
        {"search": "{contact_name}"},
        ("/admin/accounts/contact/", {"q": "{contact_name}"}),
    ),
    "api quotes": ("/api/v1/quotes/", {}, None),
    "api quotes, search": (
        "/api/v1/quotes/",
        {"search": "{quote_number}"},
        ("/admin/sales/quote/", {"q": "{quote_number}"}),
    ),
    "api licenses": ("/api/v1/licenses/", {}, None),
    "api licenses, search": (
        "/api/v1/licenses/",
        {"search": "{company_word}"},
        ("/admin/licensing/license/", {"q": "{company_word}"}),
    ),
    "api trials": ("/api/v1/trials/", {}, None),
    "api trials, search": (
        "/api/v1/trials/",
        {"search": "{company_word}"},
        ("/admin/licensing/trial/", {"q": "{company_word}"}),
    ),
    "api products": ("/api/v1/products/", {}, None),
}


def _database_url(size: str) -> str:
    variable, scale = SIZES[size]
    if os.environ.get(variable):
        return os.environ[variable]
    base = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    name = f"seatdesk_bench_{size}"
    url = f"postgres://{base['USER']}@{base['HOST']}:{base['PORT'] or 5432}/{name}"
    env = {**os.environ, "DATABASE_URL": url}
    command = [sys.executable, "manage.py"]
    if subprocess.run(["createdb", "-h", base["HOST"], "-U", base["USER"], name]).returncode == 0:
        subprocess.run([*command, "migrate", "-v0"], env=env, check=True)
        subprocess.run([*command, "seed_demo", "--scale", str(scale)], env=env, check=True)
    return url


def _use_database(url: str) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict.update(environ.Env.db_url_config(url))


def _words() -> dict[str, str]:
    """Search terms taken from the data: a word of a company name, a contact's last name and
    email, a quote number."""
    from accounts.models import Company, Contact
    from sales.models import Quote

    company = Company.objects.order_by("pk").first()
    contact = Contact.objects.order_by("pk").first()
    quote = Quote.objects.exclude(number="").order_by("pk").first()
    return {
        "company_word": company.name.split()[0],
        "contact_name": contact.last_name,
        "contact_email": contact.email,
        "quote_number": quote.number,
    }


def _measure(client, path: str, query: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, query)
    assert response.status_code == 200, (path, query, response.status_code)
    count = len(queries)  # before the next request resets the log
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        client.get(path, query)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "median": statistics.median(timings),
        "p95": timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)],
        "queries": count,
    }


def _fill(query: dict, words: dict) -> dict:
    return {key: value.format(**words) for key, value in query.items()}


def bench_scale():
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment

    setup_test_environment()
    urls = {size: _database_url(size) for size in SIZES}
    results = {}
    with override_settings(DEBUG=False):
        for size, url in urls.items():
            _use_database(url)
            users = get_user_model().objects
            manager, admin = Client(), Client()
            manager.force_login(users.get(username="am"))
            admin.force_login(users.get(username="admin"))
            words = _words()
            for label, (path, query, admin_page) in PAGES.items():
                if ONLY not in label:
                    continue
                results[label, size] = _measure(manager, path, _fill(query, words))
                if admin_page:
                    admin_path, admin_query = admin_page
                    results[f"{label} (admin)", size] = _measure(
                        admin, admin_path, _fill(admin_query, words)
                    )
    return _rows(results)


def _rows(results: dict) -> list[dict]:
    rows = []
    labels = dict.fromkeys(label for label, _ in results)
    for label in labels:
        small, large = results[label, "1k"], results[label, "100k"]
        growth = large["median"] / small["median"]
        ok = large["median"] <= MEDIAN_MS and large["p95"] <= P95_MS and growth <= MAX_GROWTH
        for size, figures in (("1k", small), ("100k", large)):
            rows.append(
                {
                    "name": f"{label}, {size}",
                    "value": round(figures["median"], 1),
                    "unit": "ms",
                    "p95": round(figures["p95"], 1),
                    "queries": figures["queries"],
                    **(
                        {
                            "target": f"median <= {MEDIAN_MS}, p95 {figures['p95']:.0f} <= "
                            f"{P95_MS}, growth {growth:.2f} <= {MAX_GROWTH:g}, queries "
                            f"{small['queries']}->{large['queries']}",
                            "ok": ok and small["queries"] == large["queries"],
                        }
                        if size == "100k"
                        else {"target": f"p95 {figures['p95']:.0f} ms"}
                    ),
                }
            )
    return rows
