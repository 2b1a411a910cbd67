"""The daily reminder sweep over 100,000 and 1,000,000 licenses and trials (half each), on
PostgreSQL, in databases of its own (kept between runs, so the seeding is paid once):
finding what is due and recording it (`record_due_reminders`) against the floor, one raw SQL
query selecting the same due rows."""

import time
from collections.abc import Callable
from datetime import date, timedelta

from tests.bench.support import BOOK_SQL, setup_django

TODAY = date(2026, 11, 26)
SIZES = [100_000, 1_000_000]
# Best of RUNS: the machine is shared, and the least disturbed run is the truest cost.
RUNS = 7


def _seed(cursor, size: int) -> None:
    """Licenses and trials whose term ends are spread over three years around TODAY: 70% of
    the licenses and 30% of the trials active; 100 of each per company."""
    half = size // 2
    cursor.execute(
        BOOK_SQL
        + """
        INSERT INTO licensing_license (company_id, product_id, seats, unit_price, starts_on,
                                       ends_on, status, created_at)
        SELECT c.first + i %% %(companies)s, (SELECT id FROM licensing_product), 10, 40,
               %(today)s::date + (i::bigint * 7919 %% 1095 - 365)::int - 364,
               %(today)s::date + (i::bigint * 7919 %% 1095 - 365)::int,
               CASE WHEN i %% 10 < 7 THEN 'active' ELSE 'expired' END, now()
        FROM generate_series(1, %(half)s) AS i,
             (SELECT min(id) AS first FROM accounts_company) AS c;
        INSERT INTO licensing_trial (company_id, product_id, seats, starts_on, ends_on, status,
                                     times_extended, created_at)
        SELECT c.first + i %% %(companies)s, (SELECT id FROM licensing_product), 10,
               %(today)s::date + (i::bigint * 7907 %% 1095 - 365)::int - 29,
               %(today)s::date + (i::bigint * 7907 %% 1095 - 365)::int,
               CASE WHEN i %% 10 < 3 THEN 'active' ELSE 'expired' END, 0, now()
        FROM generate_series(1, %(half)s) AS i,
             (SELECT min(id) AS first FROM accounts_company) AS c;
        INSERT INTO licensing_remindersweep (name, swept_on, created_at)
        VALUES ('licensing', %(yesterday)s, now());
        """,
        {
            "companies": max(size // 200, 1),
            "half": half,
            "today": TODAY,
            "yesterday": TODAY - timedelta(days=1),
        },
    )


FLOOR_SQL = """
SELECT id, ends_on, company_id, {offset} FROM {table}
WHERE status = 'active' AND ends_on >= %s AND ({window})
"""


# Bare copies of the reminder table: no index at all, and nothing but the unique key that makes
# a reminder exactly-once (the issue's own requirement). What PostgreSQL alone needs to store
# the due rows, before any other index, trigger or Python of ours.
REFERENCE_TABLES = """
CREATE TABLE IF NOT EXISTS bench_heap_only (LIKE licensing_reminder INCLUDING DEFAULTS
                                            INCLUDING IDENTITY);
CREATE TABLE IF NOT EXISTS bench_unique_only (LIKE licensing_reminder INCLUDING DEFAULTS
                                              INCLUDING IDENTITY,
                                              UNIQUE (subject, kind, "offset"));
"""


def _floor_query(offsets_by_table: dict[str, list[int]]) -> tuple[str, list]:
    """One hand-written query selecting every due row with its offset (the floor)."""
    parts, params = [], []
    for table, offsets in offsets_by_table.items():
        offsets = sorted(offsets)
        case = " ".join(f"WHEN ends_on <= '{TODAY + timedelta(days=o)}' THEN {o}" for o in offsets)
        window = " OR ".join(
            f"ends_on BETWEEN '{TODAY + timedelta(days=o)}' AND '{TODAY + timedelta(days=o)}'"
            for o in offsets
        )
        parts.append(FLOOR_SQL.format(offset=f"CASE {case} END", table=table, window=window))
        params.append(TODAY)
    return " UNION ALL ".join(parts), params


def _best_seconds(function, prepare=lambda: None) -> float:
    timings = []
    for _ in range(RUNS):
        prepare()
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return min(timings)


def _measure(size: int) -> list[dict]:
    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from licensing import reminders
    from licensing.models import License, Reminder, ReminderSweep, Trial

    with connection.cursor() as cursor:
        if License.objects.count() + Trial.objects.count() != size:
            cursor.execute(
                "TRUNCATE licensing_reminder, licensing_remindersweep, licensing_trial, "
                "licensing_license, accounts_company, licensing_product, auth_user CASCADE"
            )
            _seed(cursor, size)
            cursor.execute("VACUUM ANALYZE")

    recorded = []

    def sweep():
        recorded.append(len(reminders.record_due_reminders(today=TODAY)))

    def sweep_rolled_back():
        """The sweep's own work, without the commit's disk flush (which the floor has not)."""
        with transaction.atomic():
            sweep()
            transaction.set_rollback(True)

    def start_afresh():
        """Forget the previous run's reminders, dead rows included, as if on a new day."""
        Reminder.objects.all().delete()
        ReminderSweep.objects.filter(swept_on=TODAY).delete()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM licensing_reminder")

    sql, params = _floor_query(
        {
            "licensing_trial": settings.REMINDER_TRIAL_OFFSETS,
            "licensing_license": settings.REMINDER_RENEWAL_OFFSETS,
        }
    )

    def record_only(table: str) -> Callable[[], None]:
        """What storing the due rows costs PostgreSQL, with nothing of ours: the sweep's own
        SELECT inserted into a bare copy of the reminder table (`table`), rolled back."""
        due_sql, due_params = reminders.due_reminder_rows(
            today=TODAY, since=TODAY
        ).query.sql_with_params()

        def run():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f'INSERT INTO {table} (subject, kind, "offset", due_on, company_id, status,'
                    " attempts, last_error, created_at) SELECT *, 'pending', 0, '', now() FROM"
                    f" ({due_sql}) AS due WHERE true ON CONFLICT DO NOTHING RETURNING id",
                    due_params,
                )
                recorded.append(len(cursor.fetchall()))
                transaction.set_rollback(True)

        return run

    def find():
        """The sweep's SELECT alone, as the ORM writes it."""
        recorded.append(len(list(reminders.due_reminder_rows(today=TODAY, since=TODAY))))

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            recorded.append(len(cursor.fetchall()))

    start_afresh()
    sweep()  # warm the caches
    start_afresh()
    with CaptureQueriesContext(connection) as captured:
        sweep()
    queries = len(captured)
    sweep_seconds = _best_seconds(sweep_rolled_back, prepare=start_afresh)
    committed_seconds = _best_seconds(sweep, prepare=start_afresh)
    floor()
    floor_seconds = _best_seconds(floor)
    find_seconds = _best_seconds(find)
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_TABLES)
    heap_seconds = _best_seconds(record_only("bench_heap_only"))
    unique_seconds = _best_seconds(record_only("bench_unique_only"))
    due = recorded[-1]
    assert set(recorded) == {due}, f"the sweep and the floor disagree: {set(recorded)}"
    label = f"{size:,}"
    ratio = sweep_seconds / floor_seconds
    return [
        {"name": f"reminders: due rows at {label}", "value": due, "unit": "rows"},
        {
            "name": f"reminders: sweep (find + record) at {label}",
            "value": round(sweep_seconds * 1000, 1),
            "unit": "ms",
            "target": "< 1000 ms at 1M",
            "ok": sweep_seconds < 1.0,
        },
        {
            "name": f"reminders: sweep, committed, at {label}",
            "value": round(committed_seconds * 1000, 1),
            "unit": "ms",
            "target": "< 1000 ms at 1M",
            "ok": committed_seconds < 1.0,
        },
        {
            "name": f"reminders: floor (one raw SELECT) at {label}",
            "value": round(floor_seconds * 1000, 1),
            "unit": "ms",
        },
        {
            "name": f"reminders: sweep / floor at {label}",
            "value": round(ratio, 2),
            "unit": "x",
            "target": "<= 3x",
            "ok": ratio <= 3,
        },
        {
            "name": f"reminders: find alone (ORM) / floor at {label}",
            "value": round(find_seconds / floor_seconds, 2),
            "unit": "x",
            "target": "<= 3x",
            "ok": find_seconds / floor_seconds <= 3,
        },
        {
            "name": f"reminders: postgres alone, insert into a bare table / floor at {label}",
            "value": round(heap_seconds / floor_seconds, 2),
            "unit": "x",
        },
        {
            "name": f"reminders: postgres alone, insert with the unique key alone / floor at {label}",
            "value": round(unique_seconds / floor_seconds, 2),
            "unit": "x",
        },
        {
            "name": f"reminders: sweep queries at {label}",
            "value": queries,
            "unit": "queries",
            "target": "same at every size",
        },
    ]


def bench_reminder_sweep() -> list[dict]:
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        return [
            {
                "name": "reminders: sweep",
                "value": "-",
                "unit": "",
                "target": "needs DATABASE_URL=postgres://...",
                "ok": False,
            }
        ]
    rows = []
    original_name = connection.settings_dict["NAME"]
    for size in SIZES:
        connection.settings_dict["TEST"]["NAME"] = f"{original_name}_bench_reminders_{size}"
        connection.creation.create_test_db(
            verbosity=0, autoclobber=True, keepdb=True, serialize=False
        )
        try:
            rows += _measure(size)
        finally:
            connection.creation.destroy_test_db(original_name, verbosity=0, keepdb=True)
    queries = {row["value"] for row in rows if row["unit"] == "queries"}
    for row in rows:
        if row["unit"] == "queries":
            row["ok"] = len(queries) == 1
    return rows
