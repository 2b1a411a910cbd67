"""Home (per role), the dashboard, the metrics API and the pipeline at two sizes: median, p95, queries and
the growth from the small to the large book.

With BENCH_SMALL_URL and BENCH_LARGE_URL (database URLs of pre-seeded databases, e.g. copies
of `seed_demo --scale 1000` and `--scale 100000`), each is measured as it is, in a process of
its own with DEBUG off. Without them, two throwaway databases are filled by the seeded
generator below (BENCH_SMALL_COMPANIES, BENCH_COMPANIES companies), created and dropped here:
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/seatdesk_bench make bench dashboard`.

Pages read the book snapshot (sales/metrics/snapshot.py); the rows also show what computing
it costs (the first look of a day, or the refresh after a change, done by a worker)."""

import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from tests.bench.support import setup_django

SMALL_COMPANIES = int(os.environ.get("BENCH_SMALL_COMPANIES", "1000"))
COMPANIES = int(os.environ.get("BENCH_COMPANIES", "10000"))
MANAGERS = 20
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
LIVE_RUNS = 3
# Issue 13: home <= 150 ms, dashboard <= 300 ms (median), p95 <= 250 ms for pages, and at most
# twice the small book's time for the large one.
TARGETS_MS = {"home": 150, "dashboard": 300, "metrics API": 300, "pipeline": 300}
P95_TARGET_MS = 250
GROWTH_TARGET = 2.0


def populate(companies: int, today: date, seed: int = 8) -> None:
    """Bulk-insert a plausible book of `companies` companies around `today`."""
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from accounts.models import Company
    from accounts.roles import Role
    from licensing.models import License, PriceTier, Product, SeatChange, Trial
    from licensing.pricing import add_months, term_end
    from sales.models import Quote

    rng = random.Random(seed)
    batch = 2000
    managers = User.objects.bulk_create(
        User(username=f"bench-am-{n}", first_name="Manager", last_name=f"No. {n}")
        for n in range(MANAGERS)
    )
    group = Group.objects.get(name=Role.ACCOUNT_MANAGER)
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=manager.pk, group_id=group.pk) for manager in managers
    )
    products = Product.objects.bulk_create(
        [
            Product(code="bench-team", name="Team", seat_block_size=5),
            Product(code="bench-business", name="Business", seat_block_size=10),
            Product(
                code="bench-monthly", name="Monthly", seat_block_size=5, billing_period="month"
            ),
        ]
    )
    PriceTier.objects.bulk_create(
        PriceTier(product=product, min_seats=seats, unit_price=Decimal(price))
        for product, tiers in zip(
            products,
            [[(1, "40.00"), (25, "35.00")], [(1, "60.00"), (100, "50.00")], [(1, "4.50")]],
            strict=True,
        )
        for seats, price in tiers
    )
    rows = []
    for n in range(companies):
        headcount = None if rng.random() < 0.05 else rng.randint(10, 3000)
        target = (
            int(headcount * rng.uniform(0.3, 0.9)) if headcount and rng.random() < 0.6 else None
        )
        rows.append(
            Company(
                name=f"Company {n:05d}",
                owner=managers[n % MANAGERS],
                employee_count=headcount,
                target_seats=target,
            )
        )
    customers = Company.objects.bulk_create(rows, batch_size=batch)

    def moment(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=11))

    # License chains: a first term up to three years ago, then yearly renewals until today,
    # unless the customer cancels or lets it expire.
    expanded, seat_changes, trials, quotes = [], [], [], []
    chains = []
    for company in customers:
        if rng.random() < 0.3:
            continue
        product = rng.choice(products)
        starts_on = today - timedelta(days=rng.randint(0, 3 * 365))
        seats = product.seat_block_size * rng.randint(1, 12)
        chains.append((company, product, starts_on, seats))
    generation = [
        (company, product, starts_on, seats, None) for company, product, starts_on, seats in chains
    ]
    while generation:
        made, following = [], []
        for company, product, starts_on, seats, renews in generation:
            ends_on = term_end(starts_on, 12)
            fate = rng.random()
            if ends_on >= today:
                status, cancelled_on = "active", None
                if fate < 0.05:
                    status, cancelled_on = (
                        "cancelled",
                        starts_on + timedelta(days=rng.randint(1, 200)),
                    )
                    cancelled_on = min(cancelled_on, today)
            elif fate < 0.8:
                status, cancelled_on = "renewed", None
            else:
                status, cancelled_on = ("expired", None) if fate < 0.93 else ("cancelled", ends_on)
            live_on = starts_on + timedelta(days=rng.randint(5, 60)) if renews is None else None
            made.append(
                License(
                    company=company,
                    product=product,
                    seats=seats,
                    unit_price=Decimal("40.00")
                    if product.billing_period == "year"
                    else Decimal("4.50"),
                    starts_on=starts_on,
                    ends_on=ends_on,
                    status=status,
                    renews=renews,
                    cancelled_on=cancelled_on,
                    live_on=live_on if live_on and live_on <= today else None,
                )
            )
        made = License.objects.bulk_create(made, batch_size=batch)
        for license in made:
            if license.status == "renewed":
                grown = license.seats + license.product.seat_block_size * rng.randint(-1, 2)
                following.append(
                    (
                        license.company,
                        license.product,
                        license.ends_on + timedelta(days=1),
                        max(grown, license.product.seat_block_size),
                        license,
                    )
                )
            if license.status == "active" and rng.random() < 0.3:
                delta = license.product.seat_block_size * rng.randint(1, 3)
                effective_on = license.starts_on + timedelta(days=rng.randint(0, 120))
                if effective_on <= min(license.ends_on, today):
                    license.seats += delta
                    seat_changes.append(
                        SeatChange(
                            license=license,
                            delta=delta,
                            seats_after=license.seats,
                            effective_on=effective_on,
                        )
                    )
                    expanded.append(license)
        generation = following
    License.objects.bulk_update(expanded, ["seats"], batch_size=batch)
    SeatChange.objects.bulk_create(seat_changes, batch_size=batch)

    first_terms = {
        license.company_id: license
        for license in License.objects.filter(renews__isnull=True).order_by("-starts_on")
    }
    number = 0
    for company in customers:
        product = products[company.pk % len(products)]
        starts_on = today - timedelta(days=rng.randint(0, 2 * 365))
        ends_on = starts_on + timedelta(days=29)
        license = first_terms.get(company.pk)
        if ends_on >= today:
            status, ended_at, converted = "active", None, None
        elif license and rng.random() < 0.6:
            status, ended_at, converted = (
                "converted",
                moment(ends_on - timedelta(days=rng.randint(0, 20))),
                license,
            )
            first_terms.pop(company.pk)
        else:
            status, ended_at, converted = (
                rng.choice(["expired", "cancelled"]),
                moment(ends_on),
                None,
            )
        trials.append(
            Trial(
                company=company,
                product=product,
                seats=product.seat_block_size * 2,
                starts_on=starts_on,
                ends_on=ends_on,
                status=status,
                ended_at=ended_at,
                converted_license=converted,
            )
        )
        for _ in range(2):
            number += 1
            sent_on = today - timedelta(days=rng.randint(0, 2 * 365))
            status = rng.choice(["accepted", "declined", "expired", "sent", "draft"])
            decided = moment(min(sent_on + timedelta(days=rng.randint(1, 30)), today))
            quotes.append(
                Quote(
                    number="" if status == "draft" else f"Q-{sent_on.year}-{number:05d}",
                    company=company,
                    owner_id=company.owner_id,
                    status=status,
                    starts_on=add_months(sent_on, 1),
                    total=Decimal("4800.00"),
                    sent_at=None if status == "draft" else moment(sent_on),
                    accepted_at=decided if status == "accepted" else None,
                    declined_at=decided if status == "declined" else None,
                    expired_at=decided if status == "expired" else None,
                )
            )
    Trial.objects.bulk_create(trials, batch_size=batch)
    Quote.objects.bulk_create(quotes, batch_size=batch)
    Quote.objects.filter(status__in=("draft", "sent")).restage()  # their pipeline stage


def _user_of(role):
    """A user of the role: the first one there is, else one made for the benchmark."""
    from django.contrib.auth.models import Group, User

    group = Group.objects.get(name=role)
    user = User.objects.filter(groups=group, is_active=True).order_by("pk").first()
    if user is None:
        user = User.objects.create_user(f"bench-{role.lower().replace(' ', '-')}")
        user.groups.add(group)
    return user


def _timed(client, url: str, params=None, runs: int = RUNS) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url, params, secure=True).status_code == 200  # and warms the snapshot
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        client.get(url, params, secure=True)
        timings.append((time.perf_counter() - began) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, params, secure=True)
    timings.sort()
    return {
        "median": round(statistics.median(timings)),
        "p95": round(timings[max(0, round(0.95 * len(timings)) - 1)]),
        "queries": len(queries.captured_queries),
    }


def measure() -> dict:
    """Every page of the benchmark on the current database: {name: {median, p95, queries}}."""
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from accounts.roles import ADMIN, AM, FINANCE, SUPPORT
    from sales.metrics import snapshot

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM accounts_company")
        companies = cursor.fetchone()[0]
    results = {"companies": companies}
    began = time.perf_counter()
    snapshot.refresh(owner_id=None)
    results["snapshot refresh, every company (a worker's)"] = {
        "median": round((time.perf_counter() - began) * 1000)
    }
    today = timezone.localdate()
    other_period = {"start": today.replace(day=1).isoformat(), "end": today.isoformat()}
    for role in (AM, SUPPORT, FINANCE, ADMIN):
        client = Client(HTTP_HOST="localhost")
        client.force_login(_user_of(role))
        results[f"home, {role}"] = _timed(client, "/")
        if role == SUPPORT:
            continue
        results[f"dashboard, {role}"] = _timed(client, "/dashboard/")
        results[f"pipeline, {role}"] = _timed(client, "/pipeline/")
        if role == ADMIN:  # filtered by one account manager
            results[f"pipeline, {role}, one owner"] = _timed(
                client, "/pipeline/", {"owner": _user_of(AM).pk}
            )
        results[f"metrics API, {role}"] = _timed(client, "/api/v1/metrics/")
        if role == FINANCE:
            # Another period than the default one is computed live: a few runs tell its cost.
            results[f"dashboard, {role}, this month (live)"] = _timed(
                client, "/dashboard/", other_period, runs=LIVE_RUNS
            )
    return results


def _measure_url(url: str) -> dict:
    """measure() on a pre-seeded database, in a process of its own configured for it."""
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only"),
        "ALLOWED_HOSTS": "*",
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_dashboard"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _measure_generated(companies: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        populate(companies, timezone.localdate())
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        return measure()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def bench_dashboard():
    small_url, large_url = os.environ.get("BENCH_SMALL_URL"), os.environ.get("BENCH_LARGE_URL")
    if small_url and large_url:
        small, large = _measure_url(small_url), _measure_url(large_url)
    else:
        setup_django()
        small, large = _measure_generated(SMALL_COMPANIES), _measure_generated(COMPANIES)
    sizes = f"{small.pop('companies')} / {large.pop('companies')} companies"
    rows = []
    for name, at_large in large.items():
        at_small = small[name]
        kind = name.split(",")[0]
        target = TARGETS_MS.get(kind) if "live" not in name else None
        rows.append(
            {
                "name": f"{name}: median ({sizes})",
                "value": f"{at_small['median']} / {at_large['median']}",
                "unit": "ms",
                **(
                    {"target": f"<= {target} ms", "ok": at_large["median"] <= target}
                    if target
                    else {}
                ),
            }
        )
        if "p95" not in at_large:
            continue
        growth = at_large["median"] / max(at_small["median"], 1)
        rows += [
            {
                "name": f"{name}: p95",
                "value": f"{at_small['p95']} / {at_large['p95']}",
                "unit": "ms",
                **(
                    {"target": f"<= {P95_TARGET_MS} ms", "ok": at_large["p95"] <= P95_TARGET_MS}
                    if target
                    else {}
                ),
            },
            {
                "name": f"{name}: queries",
                "value": f"{at_small['queries']} / {at_large['queries']}",
                "unit": "queries",
                "target": "the same",
                "ok": at_small["queries"] == at_large["queries"],
            },
            {
                "name": f"{name}: growth",
                "value": round(growth, 2),
                "unit": "x",
                **(
                    {"target": f"<= {GROWTH_TARGET}x", "ok": growth <= GROWTH_TARGET}
                    if target
                    else {}
                ),
            },
        ]
    return rows


if __name__ == "__main__":
    # A process of _measure_url: the figures of one database, as JSON on the last line.
    setup_django()
    print(json.dumps(measure()))
