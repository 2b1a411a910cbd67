"""The daily follow-up digest: one email per person per day with their overdue follow-ups,
whatever duplicate beats and retries do."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from accounts import outbox
from accounts.models import FollowUp, OutboxMessage
from accounts.services import complete_follow_up
from accounts.tasks import send_email
from licensing.models import Reminder
from onboarding import digests
from sales import follow_up_digest, tasks
from tests.onboarding.factories import TaskFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 1)


def committed(function, *args, **kwargs):
    """Run `function` and then what it left for after the commit (the queued sends)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return function(*args, **kwargs)


def follow_up(company, assignee, due_on, title="Call back"):
    # Written directly: the service refuses a due date in the past, which is what an overdue
    # follow-up has become.
    return FollowUp.objects.create(
        company=company, title=title, due_on=due_on, assignee=assignee, created_by=assignee
    )


def test_each_account_manager_gets_one_digest_of_their_own_overdue_follow_ups(
    account_manager, other_account_manager, company, settings
):
    settings.SITE_URL = "https://seatdesk.example"
    follow_up(company, account_manager, DAY - timedelta(days=3), "Send the proposal")
    follow_up(company, account_manager, DAY - timedelta(days=1), "Call the CFO")
    follow_up(company, account_manager, DAY, "Due today, not overdue")
    follow_up(company, other_account_manager, DAY + timedelta(days=2), "Not yet due")
    done = follow_up(company, other_account_manager, DAY - timedelta(days=5), "Done already")
    complete_follow_up(follow_up=done, actor=other_account_manager)

    committed(follow_up_digest.record_digests, today=DAY)

    [email] = mail.outbox
    assert email.to == [account_manager.email]
    assert email.subject == "Follow-ups for 1 June 2026: 2 overdue follow-ups"
    assert "Send the proposal" in email.body and "3 days late" in email.body
    assert "Call the CFO" in email.body and "1 day late" in email.body
    assert "Due today" not in email.body
    assert f"https://seatdesk.example/companies/{company.pk}/" in email.body


def test_running_the_daily_job_twice_sends_one_digest_per_person(
    account_manager, other_account_manager, company
):
    today = timezone.localdate()
    follow_up(company, account_manager, today - timedelta(days=2))
    follow_up(company, other_account_manager, today - timedelta(days=1))

    assert committed(tasks.send_follow_up_digests.delay).get() == 2
    assert committed(tasks.send_follow_up_digests.delay).get() == 0

    assert sorted(email.to[0] for email in mail.outbox) == sorted(
        [account_manager.email, other_account_manager.email]
    )
    assert (
        Reminder.objects.filter(kind=follow_up_digest.DIGEST, status=Reminder.Status.SENT).count()
        == 2
    )


def test_a_retried_send_sends_the_digest_once(account_manager, company):
    follow_up(company, account_manager, DAY - timedelta(days=1))
    committed(follow_up_digest.record_digests, today=DAY)
    [message] = OutboxMessage.objects.all()
    send_email.delay(message.pk)
    assert len(mail.outbox) == 1


def test_a_digest_whose_follow_ups_were_done_before_it_went_out_is_skipped(
    account_manager, company
):
    late = follow_up(company, account_manager, DAY - timedelta(days=1))
    follow_up_digest.record_digests(today=DAY)  # recorded, its send not run yet
    complete_follow_up(follow_up=late, actor=account_manager)

    committed(outbox.dispatch)

    assert Reminder.objects.get().status == Reminder.Status.SKIPPED and mail.outbox == []


def test_the_onboarding_and_the_follow_up_digests_of_one_day_are_two_emails(
    account_manager, company
):

    follow_up(company, account_manager, DAY - timedelta(days=1))
    TaskFactory(assignee=account_manager, due_on=DAY - timedelta(days=1))

    committed(follow_up_digest.record_digests, today=DAY)
    committed(digests.record_digests, today=DAY)

    assert sorted(email.subject[:10] for email in mail.outbox) == ["Follow-ups", "Onboarding"]
