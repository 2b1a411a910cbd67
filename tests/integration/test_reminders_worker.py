import os
import signal
from datetime import date
from email import message_from_string, policy

import pytest

from accounts.models import OutboxMessage
from licensing import reminders, services
from licensing.models import Reminder
from tests.accounts.factories import ContactFactory
from tests.email_backends import sent_emails
from tests.integration.conftest import wait_for
from tests.licensing.factories import LicenseFactory, TrialFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

DAY = date(2026, 12, 3)


def all_settled(count: int):
    """The reminders once `count` of them exist and none is pending."""
    found = list(Reminder.objects.order_by("kind", "subject"))
    return len(found) == count and all(r.status != Reminder.Status.PENDING for r in found) and found


def emails(mail_dir) -> list:
    return [message_from_string(text, policy=policy.default) for text in sent_emails(mail_dir)]


def test_a_worker_on_the_real_broker_sends_the_right_emails_for_a_seeded_day(
    mail_dir, company, product, account_manager, billing_contact
):
    trial = TrialFactory(company=company, product=product, ends_on=date(2026, 12, 6))
    license = LicenseFactory(company=company, product=product, ends_on=date(2027, 1, 2))
    LicenseFactory(company=company, product=product, ends_on=date(2026, 12, 5))  # not due
    cancelled = LicenseFactory(company=company, product=product, ends_on=date(2027, 1, 2))
    services.cancel_license(license=cancelled, actor=account_manager)

    reminders.sweep_reminders(today=DAY)

    renewal, trial_reminder = wait_for(lambda: all_settled(2), what="two reminders sent")
    assert (renewal.subject, renewal.offset, renewal.status) == (
        f"license:{license.pk}:2027-01-02",
        30,
        "sent",
    )
    assert (trial_reminder.subject, trial_reminder.offset, trial_reminder.status) == (
        f"trial:{trial.pk}:2026-12-06",
        3,
        "sent",
    )
    by_subject = sorted((m["Subject"], m["To"]) for m in emails(mail_dir))
    primary = company.contacts.get(is_primary=True)
    assert by_subject == sorted(
        [
            (
                f"{license.product} for {company} is up for renewal in 30 days",
                account_manager.email,
            ),
            (
                f"{license.product} for {company} is up for renewal in 30 days",
                billing_contact.email,
            ),
            (f"Trial of {trial.product} for {company} ends in 3 days", account_manager.email),
            (f"Trial of {trial.product} for {company} ends in 3 days", primary.email),
        ]
    )
    assert company.activities.filter(kind="reminder").count() == 2


@pytest.fixture
def billing_contact(company):
    return ContactFactory(company=company, is_billing_contact=True)


def test_the_same_sweep_run_twice_sends_one_email_per_recipient(mail_dir, company, product):
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    reminders.sweep_reminders(today=DAY)
    reminders.sweep_reminders(today=DAY)
    wait_for(lambda: all_settled(1), what="the reminder sent")
    assert len(emails(mail_dir)) == 2  # the owner's and the contacts'


def test_two_send_tasks_for_one_message_at_once_send_it_once(worker, mail_dir, company, product):
    from accounts.tasks import send_email

    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    reminders.queue_reminders(reminders.record_due_reminders(today=DAY), wake=False)
    message = OutboxMessage.objects.order_by("pk").first()
    (mail_dir / "hang").touch()  # the first send holds its claim until we let it go
    first = send_email.delay(message.pk)
    wait_for(lambda: (mail_dir / "sending.pid").exists(), what="the first send to start")
    second = send_email.delay(message.pk)
    wait_for(lambda: f"{second.id}] succeeded" in worker.log_text(), what="the second task")
    (mail_dir / "hang").unlink()
    wait_for(lambda: f"{first.id}] succeeded" in worker.log_text(), what="the first task")
    wait_for(lambda: all_settled(1), what="the reminder sent")
    assert Reminder.objects.get().status == Reminder.Status.SENT
    assert len(emails(mail_dir)) == 2


def test_a_worker_killed_in_the_middle_of_a_send_does_not_lose_the_reminder(
    mail_dir, company, product
):
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    (mail_dir / "hang").touch()
    reminders.sweep_reminders(today=DAY)
    pid = int(wait_for(lambda: _read(mail_dir / "sending.pid"), what="the send to start"))
    os.kill(pid, signal.SIGKILL)
    (mail_dir / "hang").unlink()
    # The message it held stays `sending` until its lease runs out, then beat's dispatch
    # hands it to a worker again.
    [reminder] = wait_for(lambda: all_settled(1), what="the reminder sent after the crash")
    assert reminder.status == Reminder.Status.SENT
    assert sorted(OutboxMessage.objects.values_list("attempts", flat=True)) == [1, 2]
    assert len(emails(mail_dir)) == 2


def test_smtp_failing_then_recovering_sends_exactly_one_email_per_recipient(
    mail_dir, company, product
):
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    (mail_dir / "smtp-down").touch()
    reminders.sweep_reminders(today=DAY)
    wait_for(
        lambda: OutboxMessage.objects.filter(attempts__gte=2).exists(), what="two failed attempts"
    )
    assert Reminder.objects.get().status == Reminder.Status.PENDING and emails(mail_dir) == []
    (mail_dir / "smtp-down").unlink()
    [reminder] = wait_for(lambda: all_settled(1), what="the retry to succeed")
    assert reminder.status == Reminder.Status.SENT and reminder.attempts >= 2
    assert reminder.last_error == ""  # a sent reminder keeps no old error
    assert len(emails(mail_dir)) == 2


def _read(path):
    return path.exists() and path.read_text().strip()
