"""The usage feed: a day of usage for 100,000 licenses, posted as ten batches of 10,000 rows
to POST /api/v1/usage/ (through the whole Django stack: middleware, token, JSON, service),
on PostgreSQL, in a database of its own (kept between runs, so the seeding is paid once).
Targets: one batch in at most 2 s, the whole day in at most 30 s."""

import json
import time
from datetime import date, timedelta

from tests.bench.support import BOOK_SQL, setup_django

LICENSES = 100_000
BATCH = 10_000
TODAY = date(2026, 11, 26)


def _seed(cursor) -> None:
    cursor.execute(
        BOOK_SQL
        + """
        INSERT INTO licensing_license (company_id, product_id, seats, unit_price, starts_on,
                                       ends_on, status, created_at)
        SELECT c.first + i %% %(companies)s, (SELECT id FROM licensing_product), 50, 40,
               %(today)s::date - 200, %(today)s::date + 165, 'active', now()
        FROM generate_series(1, %(licenses)s) AS i,
             (SELECT min(id) AS first FROM accounts_company) AS c;
        """,
        {"companies": LICENSES // 10, "licenses": LICENSES, "today": TODAY},
    )


def _day(license_ids: list[int], day: date, shift: int) -> list[list[dict]]:
    rows = [
        {
            "license": pk,
            "date": day.isoformat(),
            "assigned_seats": 30 + (pk + shift) % 20,
            "active_users_30d": 20 + (pk + shift) % 10,
            "active_users_7d": 10 + (pk + shift) % 10,
        }
        for pk in license_ids
    ]
    return [rows[start : start + BATCH] for start in range(0, len(rows), BATCH)]


def bench_usage_feed() -> list[dict]:
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.services import create_usage_feed_token
    from licensing.models import License, UsageRecord, UsageSummary

    with connection.cursor() as cursor:
        if License.objects.count() != LICENSES:
            cursor.execute(
                "TRUNCATE licensing_usagerecord, licensing_usagesummary, licensing_license, "
                "accounts_company, licensing_product, accounts_apitoken, "
                "auth_user CASCADE"
            )
            _seed(cursor)
            cursor.execute("VACUUM ANALYZE")
    UsageRecord.objects.all().delete()
    UsageSummary.objects.all().delete()
    _, key = create_usage_feed_token(username="bench-feed", name="bench", days=1)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    license_ids = list(License.objects.order_by("pk").values_list("pk", flat=True))

    def post(batch) -> float:
        body = json.dumps({"rows": batch})
        started = time.perf_counter()
        response = client.post("/api/v1/usage/", body, content_type="application/json", secure=True)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content[:500]
        return elapsed

    results = []
    # No throttle (a real feed posts ten requests a day) and the clock at TODAY.
    with override_settings(
        ALLOWED_HOSTS=["testserver"],
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_CLASSES": [],
        },
    ):
        from django.utils import timezone

        original = timezone.localdate
        timezone.localdate = lambda value=None, *a: TODAY if value is None else original(value)
        try:
            # A previous day first, so that the measured day replaces nothing and has history.
            for batch in _day(license_ids, TODAY - timedelta(days=1), 0):
                post(batch)
            day_started = time.perf_counter()
            batch_seconds = [post(batch) for batch in _day(license_ids, TODAY, 1)]
            day_seconds = time.perf_counter() - day_started
            again_seconds = [post(batch) for batch in _day(license_ids, TODAY, 1)[:3]]
            replaced_seconds = [post(batch) for batch in _day(license_ids, TODAY, 2)[:3]]
        finally:
            timezone.localdate = original
    assert UsageRecord.objects.filter(day=TODAY).count() == LICENSES
    worst = max(batch_seconds)
    results += [
        {"name": "usage: batch of 10,000 new rows (worst of 10)", "value": round(worst, 2),
         "unit": "s", "target": "<= 2 s", "ok": worst <= 2},
        {"name": "usage: batch of 10,000 new rows (median)",
         "value": round(sorted(batch_seconds)[5], 2), "unit": "s"},
        {"name": "usage: a day for 100,000 licenses", "value": round(day_seconds, 1),
         "unit": "s", "target": "<= 30 s", "ok": day_seconds <= 30},
        {"name": "usage: the same batch again (nothing stored)",
         "value": round(max(again_seconds), 2), "unit": "s"},
        {"name": "usage: a batch replacing the day's rows", "value": round(max(replaced_seconds), 2),
         "unit": "s", "target": "<= 2 s", "ok": max(replaced_seconds) <= 2},
    ]  # fmt: skip
    return results
