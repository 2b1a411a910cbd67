"""The onboarding board with 500 open onboardings of 10 tasks: server time per page and the
progress query alone. On its own throwaway test database (created, then destroyed)."""

import statistics
import time
from datetime import timedelta

from tests.bench.support import setup_django

ONBOARDINGS, TASKS_EACH, RUNS = 500, 10, 5


def _median_ms(action) -> float:
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 1)


def _seed():
    from django.utils import timezone

    from accounts.roles import Role
    from licensing.models import License
    from onboarding.models import Category, Onboarding, Task
    from tests.accounts.factories import CompanyFactory, UserFactory
    from tests.licensing.factories import ProductFactory

    today = timezone.localdate()
    support = UserFactory(username="bench-support", role=Role.SUPPORT)
    company, product = CompanyFactory(), ProductFactory()
    licenses = License.objects.bulk_create(
        License(
            company=company,
            product=product,
            seats=10,
            unit_price="40.00",
            starts_on=today,
            ends_on=today + timedelta(days=364),
        )
        for _ in range(ONBOARDINGS)
    )
    onboardings = Onboarding.objects.bulk_create(
        Onboarding(
            company=company,
            license=license,
            owner=support,
            starts_on=today - timedelta(days=20),
            target_live_on=today + timedelta(days=10),
        )
        for license in licenses
    )
    categories = list(Category)
    Task.objects.bulk_create(
        Task(
            onboarding=onboarding,
            position=number,
            title=f"Task {number}",
            category=categories[number % len(categories)],
            assignee=support,
            due_on=today - timedelta(days=5 - number),
        )
        for onboarding in onboardings
        for number in range(TASKS_EACH)
    )
    return support


def bench_onboarding_board():
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from onboarding.models import Onboarding

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        support = _seed()
        client = Client()
        client.force_login(support)
        board = reverse("onboarding_board")
        page_ms = _median_ms(lambda: client.get(board))
        overdue_ms = _median_ms(lambda: client.get(board, {"overdue": "on", "mine": "on"}))
        progress_ms = _median_ms(
            lambda: list(Onboarding.objects.open().with_progress(timezone.localdate()))
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return [
        {
            "name": "onboarding board page, 500 onboardings",
            "value": page_ms,
            "unit": "ms",
            "target": "< 300 ms",
            "ok": page_ms < 300,
        },
        {
            "name": "onboarding board filtered (mine, overdue)",
            "value": overdue_ms,
            "unit": "ms",
            "target": "< 300 ms",
            "ok": overdue_ms < 300,
        },
        {
            "name": "progress per category of 500 onboardings (all rows)",
            "value": progress_ms,
            "unit": "ms",
            "target": "< 200 ms",
            "ok": progress_ms < 200,
        },
    ]
