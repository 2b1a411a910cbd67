"""The home page's follow-up lists on a large book: "needs a next step" (trials ending,
renewals due and quotes expiring with no open follow-up) and "my follow-ups", for the busiest
account manager and for an administrator (the whole book).

Runs on a pre-seeded book (`seed_demo --scale 100000`, migrated) named by BENCH_LARGE_URL (or
DATABASE_URL): it adds, once, an open follow-up to every third company (half of them about
one of its trials, licenses or quotes), a done one to every fifth and overdue ones to each
owner, by SQL, then times the lists. BENCH_REQUESTS (20) runs each."""

import os
import statistics
import time

from tests.bench.support import setup_django

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "20"))
MEDIAN_MS = 150  # the lists together (the list pages' target), per home page

SEED_SQL = """
    INSERT INTO accounts_followup (company_id, title, due_on, assignee_id, created_by_id,
                                   created_at, subject_type_id, subject_id)
    SELECT c.id, 'Bench follow-up ' || c.id, CURRENT_DATE + CAST(c.id %% 20 - 10 AS integer), c.owner_id,
           c.owner_id, now(),
           CASE WHEN c.id %% 2 = 0 THEN %(trial_type)s END,
           CASE WHEN c.id %% 2 = 0 THEN (SELECT t.id FROM licensing_trial t
                                         WHERE t.company_id = c.id LIMIT 1) END
    FROM accounts_company c WHERE c.id %% 3 = 0;
    INSERT INTO accounts_followup (company_id, title, due_on, assignee_id, created_by_id,
                                   created_at, completed_at, completed_by_id)
    SELECT c.id, 'Done ' || c.id, CURRENT_DATE - 5, c.owner_id, c.owner_id, now(), now(),
           c.owner_id
    FROM accounts_company c WHERE c.id %% 5 = 0;
"""


def _seed() -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from accounts.models import FollowUp
    from licensing.models import Trial

    if FollowUp.objects.filter(title__startswith="Bench follow-up").exists():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SEED_SQL, {"trial_type": ContentType.objects.get_for_model(Trial).pk})
        cursor.execute("ANALYZE accounts_followup")


def _time(function) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    function()  # warm
    runs = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            function()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs), len(queries.captured_queries)


def bench_follow_up_lists_on_a_large_book():
    if os.environ.get("BENCH_LARGE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_LARGE_URL"]
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import Company
    from sales.views.home import _manager_lists, _my_follow_ups

    _seed()
    today = timezone.localdate()
    busiest = (
        Company.objects.values("owner").annotate(n=Count("pk")).order_by("-n").first()["owner"]
    )
    user = get_user_model().objects.get(pk=busiest)
    companies = Company.objects.count()

    def lists(everyone):
        def run():
            manager = _manager_lists(user, today, everyone=everyone)
            for name in ("next_step_trials", "next_step_renewals", "next_step_quotes"):
                list(manager[name])
            for group in _my_follow_ups(user, today).values():
                list(group["rows"])

        return run

    rows = []
    for label, everyone in (("account manager", False), ("administrator", True)):
        median, queries = _time(lists(everyone))
        rows.append(
            {
                "name": f"follow-ups and next steps, {label}, {companies:,} companies",
                "value": round(median, 1),
                "unit": "ms",
                "target": f"median <= {MEDIAN_MS} ms, {queries} queries",
                "ok": median <= MEDIAN_MS,
            }
        )
    return rows
