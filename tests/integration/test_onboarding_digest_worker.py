from datetime import timedelta
from email import message_from_string, policy

import pytest
from django.utils import timezone

from licensing.models import Reminder
from onboarding.tasks import send_onboarding_digests
from tests.email_backends import sent_emails
from tests.integration.conftest import wait_for
from tests.onboarding.factories import OnboardingFactory, TaskFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def succeeded(worker, result) -> bool:
    return f"{result.id}] succeeded" in worker.log_text()


def sent_digests():
    found = list(Reminder.objects.filter(kind="onboarding_digest"))
    return found and all(reminder.status == Reminder.Status.SENT for reminder in found) and found


def test_the_daily_digest_job_run_twice_on_a_real_worker_sends_one_email(worker, mail_dir, support):
    today = timezone.localdate()
    TaskFactory(assignee=support, title="Import the user list", due_on=today - timedelta(days=3))
    OnboardingFactory(owner=support, target_live_on=today - timedelta(days=1))

    runs = [send_onboarding_digests.delay(), send_onboarding_digests.delay()]
    for run in runs:
        wait_for(lambda run=run: succeeded(worker, run), what="the digest job to run")
    [reminder] = wait_for(sent_digests, what="the digest sent")

    assert reminder.subject == f"user:{support.pk}:{today.isoformat()}"
    [message] = [message_from_string(text, policy=policy.default) for text in sent_emails(mail_dir)]
    assert message["To"] == support.email
    assert message["Subject"].endswith("1 overdue task and 1 onboarding past target go-live")
    assert "Import the user list" in message.get_body(("plain",)).get_content()
