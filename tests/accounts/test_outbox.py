"""The email outbox (accounts/outbox.py): claim before sending, errors by kind, retries from
the database, recovery from crashes and a lost broker, and what administrators see."""

import logging
import smtplib
from datetime import date, timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from kombu.exceptions import OperationalError

from accounts import outbox, tasks
from accounts.models import Activity, OutboxMessage
from licensing import reminders
from licensing.models import Reminder
from tests.accounts.factories import ContactFactory
from tests.email_backends import ScriptedBackend
from tests.licensing.factories import TrialFactory

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status
DAY = date(2026, 12, 3)


def committed(function, *args, **kwargs):
    """Run `function` and then what it left for after the commit (the wake-ups)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return function(*args, **kwargs)


@pytest.fixture
def scripted(settings):
    """Emails land in mail.outbox unless an address is scripted to fail."""
    settings.EMAIL_BACKEND = "tests.email_backends.ScriptedBackend"
    ScriptedBackend.failures = {}
    yield ScriptedBackend.failures
    ScriptedBackend.failures = {}


@pytest.fixture
def trial_reminder(company, product, scripted):
    """A company whose trial is due a reminder on DAY: to the owner and the primary contact."""
    TrialFactory(company=company, product=product, ends_on=DAY + timedelta(days=7))
    return company


def sweep():
    return committed(reminders.sweep_reminders, today=DAY)


def message_to(address: str) -> OutboxMessage:
    return OutboxMessage.objects.get(recipient=address)


def make_due(*messages: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def refused(address: str) -> smtplib.SMTPRecipientsRefused:
    return smtplib.SMTPRecipientsRefused({address: (550, b"5.1.1 Mailbox unavailable")})


# Errors by kind


def test_a_refused_contact_fails_at_once_and_the_owner_still_gets_the_reminder(
    trial_reminder, scripted, account_manager
):
    primary = trial_reminder.contacts.get()
    scripted[primary.email] = refused(primary.email)
    sweep()
    failed = message_to(primary.email)
    assert (failed.status, failed.attempts) == (Status.FAILED, 1)
    assert failed.last_error.startswith("The mail server refused the recipient")
    assert "550 5.1.1 Mailbox unavailable" in failed.last_error
    assert message_to(account_manager.email).status == Status.SENT
    assert [email.to for email in mail.outbox] == [[account_manager.email]]
    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.FAILED and primary.email in reminder.last_error
    timeline = trial_reminder.activities.get(kind=Activity.Kind.REMINDER).message
    assert f"Reminder sent: {account_manager.email}; failed for {primary.email}" in timeline


def test_a_refusal_with_the_reminders_of_the_day_does_not_stop_the_others(
    company, product, scripted, account_manager
):
    other = ContactFactory(company=company, is_decision_maker=True)
    scripted[other.email] = refused(other.email)
    TrialFactory(company=company, product=product, ends_on=DAY + timedelta(days=7))
    TrialFactory(company=company, product=product, ends_on=DAY + timedelta(days=3))
    assert len(sweep()) == 2
    assert OutboxMessage.objects.filter(status=Status.SENT).count() == 4
    assert OutboxMessage.objects.filter(status=Status.FAILED).count() == 2


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (smtplib.SMTPResponseException(451, b"4.3.0 Try again later"), "answered 451"),
        (ConnectionRefusedError(111, "Connection refused"), "refused the connection"),
        (TimeoutError("timed out"), "did not answer within 10 seconds"),
        (smtplib.SMTPServerDisconnected("gone"), "closed the connection"),
        (SoftTimeLimitExceeded(), "longer than the time allowed"),
    ],
)
def test_a_temporary_error_is_retried_later_from_the_database(
    trial_reminder, scripted, account_manager, settings, error, words
):
    settings.OUTBOX_RETRY_DELAY, settings.EMAIL_TIMEOUT = 60, 10
    scripted[account_manager.email] = error
    before = timezone.now()
    sweep()
    message = message_to(account_manager.email)
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert words in message.last_error and "tried again" in message.last_error
    assert message.next_attempt_at >= before + timedelta(seconds=60)
    committed(outbox.dispatch)  # not due yet: nothing happens
    assert message_to(account_manager.email).attempts == 1

    del scripted[account_manager.email]
    make_due(message)
    committed(outbox.dispatch)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 2, "")
    assert Reminder.objects.get().status == Reminder.Status.SENT


def test_retries_back_off_doubling_up_to_the_longest_delay(settings):
    settings.OUTBOX_RETRY_DELAY, settings.OUTBOX_RETRY_MAX_DELAY = 60, 600
    assert [outbox.retry_delay(attempts) for attempts in range(1, 6)] == [60, 120, 240, 480, 600]


def test_a_final_failure_is_logged_as_an_error_and_its_task_ends_failed(
    trial_reminder, scripted, account_manager, caplog
):
    scripted[account_manager.email] = refused(account_manager.email)
    reminders.queue_reminders(reminders.record_due_reminders(today=DAY), wake=False)
    message = message_to(account_manager.email)
    with caplog.at_level(logging.ERROR, logger="accounts.outbox"):
        with pytest.raises(outbox.EmailFailed, match="refused the recipient"):
            tasks.send_email.apply(args=[message.pk]).get()
    assert any(record.levelno == logging.ERROR for record in caplog.records)


# Crashes and a lost broker


def test_a_message_left_sending_by_a_dead_worker_is_sent_again_after_its_lease(
    trial_reminder, account_manager, settings
):
    reminders.queue_reminders(reminders.record_due_reminders(today=DAY), wake=False)
    message = message_to(account_manager.email)
    # A worker claimed it, then died: it is `sending`, within its lease, then past it.
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, attempts=1, claimed_at=timezone.now()
    )
    committed(outbox.dispatch)
    assert message_to(account_manager.email).status == Status.SENDING and len(mail.outbox) == 1
    OutboxMessage.objects.filter(pk=message.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)
    )
    committed(outbox.dispatch)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)
    [again] = [email for email in mail.outbox if email.to == [account_manager.email]]
    assert again.extra_headers["Message-ID"] == message.message_id


@pytest.mark.django_db(transaction=True)
def test_an_email_accepted_as_the_database_restarts_is_recorded_sent_not_sent_again(
    postgresql, trial_reminder, account_manager, settings
):
    reminders.queue_reminders(reminders.record_due_reminders(today=DAY), wake=False)
    message = message_to(account_manager.email)
    settings.EMAIL_BACKEND = "tests.email_backends.DatabaseCutAfterSendBackend"
    outbox.deliver(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts, len(mail.outbox)) == (Status.SENT, 1, 1)


def test_a_message_whose_worker_dies_on_every_attempt_ends_failed(
    trial_reminder, account_manager, settings
):
    reminders.queue_reminders(reminders.record_due_reminders(today=DAY), wake=False)
    message = message_to(account_manager.email)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING,
        attempts=settings.OUTBOX_MAX_ATTEMPTS,
        claimed_at=timezone.now() - timedelta(hours=1),
    )
    committed(outbox.dispatch)
    message.refresh_from_db()
    assert message.status == Status.FAILED and "worker sending it stopped" in message.last_error


def test_with_the_broker_down_nothing_raises_and_the_next_dispatch_sends_it(
    trial_reminder, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_email, "delay", broker_down)
    assert len(sweep()) == 1  # recorded; no exception
    assert mail.outbox == [] and OutboxMessage.objects.filter(status=Status.PENDING).count() == 2
    monkeypatch.undo()
    committed(outbox.dispatch)  # beat, a minute later
    assert len(mail.outbox) == 2 and Reminder.objects.get().status == Reminder.Status.SENT


def test_each_message_has_its_own_message_id_kept_on_every_attempt(trial_reminder):
    sweep()
    ids = [email.extra_headers["Message-ID"] for email in mail.outbox]
    assert len(set(ids)) == 2
    assert sorted(ids) == sorted(message.message_id for message in OutboxMessage.objects.all())
    assert all(ident.startswith("<outbox.") and ident.endswith(">") for ident in ids)


# What administrators and monitoring see


@pytest.fixture
def failed_and_stuck(trial_reminder, scripted, account_manager, settings):
    primary = trial_reminder.contacts.get()
    scripted[primary.email] = refused(primary.email)
    reminders.queue_reminders(reminders.record_due_reminders(today=DAY), wake=False)
    outbox.deliver(message_id=message_to(primary.email).pk)
    late = timezone.now() - timedelta(minutes=settings.OUTBOX_ALERT_MINUTES + 1)
    OutboxMessage.objects.filter(recipient=account_manager.email).update(next_attempt_at=late)
    return primary


def test_administrators_see_failed_and_stuck_emails_with_their_error_in_words(
    client, admin, failed_and_stuck, account_manager
):
    client.force_login(admin)
    page = client.get(reverse("email_list")).content.decode()
    assert "1 failed, 1 stuck" in page
    assert "The mail server refused the recipient" in page and failed_and_stuck.email in page
    assert account_manager.email in page and "No worker has picked it up." in page
    home = client.get(reverse("home")).content.decode()
    assert "1 failed and 1 stuck emails" in home


@pytest.mark.parametrize("role", ["account_manager", "support", "finance"])
def test_only_administrators_open_the_emails_page(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("email_list")).status_code == 403
    assert client.post(reverse("email_resend"), {"all": "1"}).status_code == 403
    assert "failed and" not in client.get(reverse("home")).content.decode()


def test_an_administrator_resends_one_email_then_all(
    client, admin, failed_and_stuck, scripted, account_manager
):
    scripted.clear()
    client.force_login(admin)
    failed = message_to(failed_and_stuck.email)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("email_resend"), {"message": failed.pk})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.last_error) == (Status.SENT, "")
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("email_resend"), {"all": "1"})
    assert message_to(account_manager.email).status == Status.SENT
    assert Reminder.objects.get().status == Reminder.Status.SENT
    assert "Every email went out" in client.get(reverse("email_list")).content.decode()


def test_the_admin_resends_the_selected_emails(client, admin, failed_and_stuck, scripted):
    scripted.clear()
    client.force_login(admin)
    failed = message_to(failed_and_stuck.email)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            reverse("admin:accounts_outboxmessage_changelist"),
            {"action": "resend", "_selected_action": [failed.pk]},
        )
    assert message_to(failed_and_stuck.email).status == Status.SENT
    detail = client.get(reverse("admin:accounts_outboxmessage_change", args=[failed.pk]))
    assert detail.status_code == 200 and escape(failed.message_id).encode() in detail.content


def test_the_email_health_probe_answers_503_with_the_count_of_overdue_emails(
    client, failed_and_stuck
):
    response = client.get("/healthz/emails")
    assert response.status_code == 503
    assert response.json() == {"emails_overdue": 1, "emails_failed": 1}
    with pytest.raises(CommandError, match="1 emails overdue, 1 failed"):
        call_command("check_emails")


def test_a_mail_server_down_longer_than_the_alert_window_raises_the_alert_while_retrying(
    client, trial_reminder, scripted, account_manager, settings
):
    """The first try failed (the server is down), the next is not due yet: still an alert once
    the email has waited OUTBOX_ALERT_MINUTES, so an outage does not hide behind retries."""
    scripted[account_manager.email] = ConnectionRefusedError("Connection refused")
    reminders.queue_reminders(reminders.record_due_reminders(today=DAY), wake=False)
    message = message_to(account_manager.email)
    outbox.deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == Status.PENDING and message.next_attempt_at > timezone.now()
    assert client.get("/healthz/emails").status_code == 200  # just happened: a retry is due
    waited = timezone.now() - timedelta(minutes=settings.OUTBOX_ALERT_MINUTES + 1)
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=waited)
    assert client.get("/healthz/emails").json()["emails_overdue"] == 1
    with pytest.raises(CommandError, match="1 emails overdue"):
        call_command("check_emails")


def test_the_email_health_probe_answers_200_when_every_email_went_out(
    client, trial_reminder, capsys
):
    sweep()
    assert client.get("/healthz/emails").status_code == 200
    call_command("check_emails")
    assert "0 emails overdue, 0 failed" in capsys.readouterr().out


def test_a_large_sweep_records_its_messages_in_batches(
    company, product, scripted, monkeypatch, account_manager
):
    monkeypatch.setattr(outbox, "BATCH", 2)
    for days in (7, 3, 1):
        TrialFactory(company=company, product=product, ends_on=DAY + timedelta(days=days))
    assert len(sweep()) == 3
    assert OutboxMessage.objects.filter(status=Status.SENT).count() == 6 == len(mail.outbox)


def test_an_administrator_dismisses_an_email_that_will_never_go(client, admin, failed_and_stuck):
    client.force_login(admin)
    failed = message_to(failed_and_stuck.email)
    client.post(reverse("email_resend"), {"message": failed.pk, "dismiss": "1"})
    failed.refresh_from_db()
    assert failed.status == Status.SKIPPED and failed.last_error.startswith("Dismissed by admin.")
    assert "0 failed, 1 stuck" in client.get(reverse("email_list")).content.decode()
