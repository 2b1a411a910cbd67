from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import outbox
from accounts.models import OutboxMessage
from accounts.roles import Role
from accounts.tasks import send_email
from config.celery import app as celery_app
from licensing import reminders
from licensing.models import Reminder
from onboarding import digests, tasks
from onboarding.models import Onboarding, Task
from onboarding.services import change_task_status
from tests.accounts.factories import UserFactory
from tests.onboarding.factories import OnboardingFactory, TaskFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 1)


def committed(function, *args, **kwargs):
    """Run `function` and then what it left for after the commit (the queued sends)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return function(*args, **kwargs)


def send_digests(day: date = DAY) -> list[Reminder]:
    return list(Reminder.objects.filter(pk__in=committed(digests.record_digests, today=day)))


def digest_to(user):
    [message] = [message for message in mail.outbox if message.to == [user.email]]
    return message


def html_of(message) -> str:
    [(html, _)] = message.alternatives
    return html


@pytest.fixture
def other_support(db):
    return UserFactory(role=Role.SUPPORT)


# Who gets what


def test_an_assignee_gets_one_digest_of_their_overdue_tasks_with_links(support, settings):
    settings.SITE_URL = "https://seatdesk.example"
    late = TaskFactory(assignee=support, title="Set up single sign-on", due_on=date(2026, 5, 29))
    TaskFactory(assignee=support, title="Import the user list", due_on=date(2026, 5, 20))
    TaskFactory(assignee=support, title="Due today", due_on=DAY)

    [reminder] = send_digests()

    assert (reminder.subject, reminder.kind, reminder.status) == (
        f"user:{support.pk}:2026-06-01",
        "onboarding_digest",
        "sent",
    )
    message = digest_to(support)
    assert message.subject == "Onboarding digest for 1 June 2026: 2 overdue tasks"
    assert "Import the user list" in message.body and "12 days late" in message.body
    assert f"Set up single sign-on for {late.onboarding.company}" in message.body
    assert "3 days late" in message.body and "Due today" not in message.body
    detail = f"https://seatdesk.example/onboarding/{late.onboarding_id}/"
    assert detail in message.body and f'href="{detail}"' in html_of(message)
    assert "https://seatdesk.example/onboarding/?mine=on&amp;overdue=on" in html_of(message)


def test_an_owner_gets_the_onboardings_past_their_target_go_live(support):
    late = OnboardingFactory(owner=support, target_live_on=date(2026, 5, 25))
    OnboardingFactory(owner=support, target_live_on=DAY)  # today is still on time

    send_digests()

    message = digest_to(support)
    assert message.subject == "Onboarding digest for 1 June 2026: 1 onboarding past target go-live"
    assert f"- {late.company}: target 25 May 2026, 7 days late (not started)" in message.body
    assert "overdue tasks" not in message.body


def test_someone_with_late_tasks_and_late_onboardings_gets_both_in_one_email(support):
    TaskFactory(assignee=support, due_on=date(2026, 5, 29))
    OnboardingFactory(owner=support, target_live_on=date(2026, 5, 25))

    send_digests()

    assert len(mail.outbox) == 1
    assert digest_to(support).subject == (
        "Onboarding digest for 1 June 2026: 1 overdue task and 1 onboarding past target go-live"
    )


def test_each_person_gets_only_their_own_late_work(support, other_support):
    mine = TaskFactory(assignee=support, title="Mine", due_on=date(2026, 5, 29))
    theirs = TaskFactory(assignee=other_support, title="Theirs", due_on=date(2026, 5, 29))
    mine.onboarding.owner = other_support
    mine.onboarding.save()

    send_digests()

    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [support.email, other_support.email]
    )
    assert "Theirs" not in digest_to(support).body
    assert "Theirs" in digest_to(other_support).body
    assert str(mine.onboarding.company) in digest_to(other_support).body
    assert str(theirs.onboarding.company) not in digest_to(support).body


def test_nobody_without_late_work_gets_a_digest(support, other_support):
    TaskFactory(assignee=support, due_on=DAY)
    done = TaskFactory(assignee=support, due_on=date(2026, 5, 1))
    change_task_status(task=done, status=Task.Status.DONE, actor=support)
    live = OnboardingFactory(
        owner=support,
        target_live_on=date(2026, 5, 1),
        status=Onboarding.Status.LIVE,
        live_on=date(2026, 5, 2),
    )
    TaskFactory(onboarding=live, assignee=other_support, due_on=date(2026, 5, 1))
    TaskFactory(assignee=None, due_on=date(2026, 5, 1))
    OnboardingFactory(owner=None, target_live_on=date(2026, 5, 1))

    assert send_digests() == [] and mail.outbox == []


def test_onboardings_on_hold_and_their_tasks_are_left_out_of_the_digest(support, other_support):
    on_hold = OnboardingFactory(
        owner=support, target_live_on=date(2026, 5, 1), status=Onboarding.Status.ON_HOLD
    )
    TaskFactory(onboarding=on_hold, assignee=other_support, due_on=date(2026, 5, 1))

    assert send_digests() == [] and mail.outbox == []


def test_someone_without_an_email_address_or_no_longer_active_gets_no_digest(support):
    support.email = ""
    support.save()
    TaskFactory(assignee=support, due_on=date(2026, 5, 1))
    TaskFactory(assignee=UserFactory(is_active=False), due_on=date(2026, 5, 1))

    assert send_digests() == []


# At most one a day


def test_running_the_daily_job_twice_sends_one_digest_per_person(support, other_support):
    today = timezone.localdate()
    TaskFactory(assignee=support, due_on=today - timedelta(days=2))
    OnboardingFactory(owner=other_support, target_live_on=today - timedelta(days=2))

    assert committed(tasks.send_onboarding_digests.delay).get() == 2
    assert committed(tasks.send_onboarding_digests.delay).get() == 0

    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [support.email, other_support.email]
    )
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 2


def test_sending_a_digest_twice_sends_one_email(support):
    TaskFactory(assignee=support, due_on=date(2026, 5, 1))
    send_digests()
    [message] = OutboxMessage.objects.all()
    send_email.delay(message.pk)
    assert len(mail.outbox) == 1


def test_the_next_day_brings_the_next_digest(support):
    TaskFactory(assignee=support, due_on=date(2026, 5, 1))
    send_digests(DAY)
    send_digests(DAY + timedelta(days=1))
    assert [message.subject[:33] for message in mail.outbox] == [
        "Onboarding digest for 1 June 2026",
        "Onboarding digest for 2 June 2026",
    ]


def test_a_digest_whose_tasks_were_done_before_it_went_out_is_skipped(support):
    task = TaskFactory(assignee=support, due_on=date(2026, 5, 1))
    digests.record_digests(today=DAY)  # recorded, its send not run yet
    change_task_status(task=task, status=Task.Status.DONE, actor=support)

    committed(outbox.dispatch)

    assert Reminder.objects.get().status == Reminder.Status.SKIPPED and mail.outbox == []


def test_a_digest_left_pending_by_a_lost_task_goes_out_with_the_next_reminders_sweep(support):
    TaskFactory(assignee=support, due_on=date(2026, 5, 1))
    digests.record_digests(today=DAY)  # its send task never ran (the broker lost it)

    committed(reminders.sweep_reminders, today=DAY + timedelta(days=1))

    assert Reminder.objects.get().status == Reminder.Status.SENT and len(mail.outbox) == 1


def test_a_digest_failing_every_retry_ends_failed_with_the_error_kept_and_shown_in_the_admin(
    support, settings, tmp_path, monkeypatch, client, admin
):
    settings.EMAIL_BACKEND = "tests.email_backends.FileOutboxBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.OUTBOX_RETRY_DELAY, settings.OUTBOX_MAX_ATTEMPTS = 0, 3
    (tmp_path / "smtp-down").touch()
    TaskFactory(assignee=support, due_on=date(2026, 5, 1))

    [reminder] = send_digests()
    committed(outbox.dispatch)
    committed(outbox.dispatch)

    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.FAILED
    assert reminder.attempts == 3
    assert "The mail server closed the connection" in reminder.last_error
    assert list(tmp_path.glob("*.eml")) == []
    client.force_login(admin)
    response = client.get(
        reverse("admin:licensing_reminder_changelist"), {"status__exact": "failed"}
    )
    assert reminder.subject.encode() in response.content


def test_finding_the_digests_takes_the_same_queries_for_3_or_30_people():
    def queries_for(count: int, day: date) -> int:
        Task.objects.all().delete()
        for _ in range(count):
            TaskFactory(assignee=UserFactory(), due_on=day - timedelta(days=1))
        with CaptureQueriesContext(connection) as captured:
            ids = digests.record_digests(today=day)
        assert len(ids) == count
        return len(captured)

    assert queries_for(3, date(2026, 6, 1)) == queries_for(30, date(2026, 6, 1))


def test_beat_sends_the_digest_every_morning_at_the_configured_hour():
    entry = celery_app.conf.beat_schedule["send-onboarding-digests"]
    assert entry["task"] == tasks.send_onboarding_digests.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({8}, {0})
