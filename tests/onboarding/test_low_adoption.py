"""Adoption after go-live: an onboarding whose users have not reached half the seats thirty
days after go-live gets a "user education" task for support, once, when usage comes in."""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from licensing.services import record_usage
from onboarding.models import Category, Onboarding, Task
from onboarding.tasks import check_adoption
from tests.licensing.factories import LicenseFactory
from tests.onboarding.factories import OnboardingFactory


def report(license, *, active, days_ago=0, reacted=True):
    """Usage as the feed posts it; `reacted=False`: stored, but without the check that
    follows the post (as on the day it came, when the go-live was too recent)."""
    day = timezone.localdate() - timedelta(days=days_ago)
    with TestCase.captureOnCommitCallbacks(execute=reacted):
        record_usage(
            rows=[{"license": license.pk, "date": day.isoformat(), "assigned_seats": 20,
                   "active_users_30d": active}]
        )  # fmt: skip


@pytest.fixture
def live_since(company, product, support):
    def live(days: int) -> Onboarding:
        today = timezone.localdate()
        license = LicenseFactory(
            company=company, product=product, seats=20,
            starts_on=today - timedelta(days=days + 40), ends_on=today + timedelta(days=300),
            live_on=today - timedelta(days=days),
        )  # fmt: skip
        return OnboardingFactory(
            license=license, owner=support, status=Onboarding.Status.LIVE, live_on=license.live_on
        )

    return live


def education_tasks():
    return list(Task.objects.filter(category=Category.USER_EDUCATION))


def test_low_use_thirty_days_after_go_live_adds_one_education_task(live_since, support):
    onboarding = live_since(31)

    report(onboarding.license, active=7)
    report(onboarding.license, active=8)
    report(onboarding.license, active=8, days_ago=1)

    [task] = education_tasks()
    assert task.onboarding == onboarding and task.assignee == support
    assert task.title == "User education: fewer than half the seats are in use"
    assert "31 days after go-live, 7 of 20 seats are active" in task.description


def test_no_task_before_thirty_days_or_once_half_the_seats_were_active(live_since):
    early = live_since(20)
    report(early.license, active=3)
    adopted = live_since(40)
    report(adopted.license, active=12, days_ago=5)  # 60 % five days ago
    report(adopted.license, active=9)

    assert education_tasks() == []


def test_the_daily_check_adds_the_task_on_a_day_without_usage(live_since, support):
    crossed_today = live_since(30)
    report(crossed_today.license, active=6, days_ago=1, reacted=False)

    assert check_adoption() == 1

    [task] = education_tasks()
    assert task.onboarding == crossed_today and task.assignee == support
    assert "30 days after go-live, 6 of 20 seats are active" in task.description


def test_the_daily_check_run_twice_adds_one_task(live_since):
    low = live_since(45)
    report(low.license, active=4, days_ago=2, reacted=False)

    assert (check_adoption(), check_adoption()) == (1, 0)
    assert len(education_tasks()) == 1


def test_the_daily_check_leaves_adopted_early_and_silent_licenses_alone(live_since):
    adopted = live_since(40)
    report(adopted.license, active=11, days_ago=3, reacted=False)  # 55 %
    early = live_since(29)
    report(early.license, active=2, days_ago=1, reacted=False)
    stale = live_since(60)
    report(
        stale.license, active=2, days_ago=8, reacted=False
    )  # the feed stopped: nothing known today
    live_since(50)  # never reported

    assert check_adoption() == 0
