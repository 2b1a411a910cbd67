import datetime as dt
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import outbox
from accounts.models import Activity, OutboxMessage
from accounts.tasks import send_email
from config.celery import app as celery_app
from licensing import reminders, services, tasks
from licensing.models import License, Reminder, ReminderSweep
from tests.accounts.factories import ContactFactory
from tests.licensing.factories import LicenseFactory, TrialFactory

TRIAL_OFFSETS = [7, 3, 1, 0]
RENEWAL_OFFSETS = [90, 60, 30, 7]


def committed(function, *args, **kwargs):
    """Run `function` and then what it left for after the commit (the queued sends)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return function(*args, **kwargs)


def sweep(day: date) -> list[Reminder]:
    return list(Reminder.objects.filter(pk__in=committed(reminders.sweep_reminders, today=day)))


def today_is(monkeypatch, day: date) -> None:
    """Make `day` today for timezone.localdate() (a reminder is worded from the day it goes
    out); a date of a given moment stays what it is."""
    original = timezone.localdate
    monkeypatch.setattr(
        timezone, "localdate", lambda value=None, *args: day if value is None else original(value)
    )


def emails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


# The due-date rules


@pytest.mark.parametrize("offset", TRIAL_OFFSETS)
def test_each_trial_offset_falls_due_on_its_own_day(offset):
    ends_on = date(2026, 12, 10)
    day = ends_on - timedelta(days=offset)
    assert (
        reminders.due_offset(ends_on=ends_on, today=day, offsets=TRIAL_OFFSETS, since=day) == offset
    )


@pytest.mark.parametrize("offset", RENEWAL_OFFSETS)
def test_each_renewal_offset_falls_due_on_its_own_day(offset):
    ends_on = date(2027, 3, 31)
    day = ends_on - timedelta(days=offset)
    assert (
        reminders.due_offset(ends_on=ends_on, today=day, offsets=RENEWAL_OFFSETS, since=day)
        == offset
    )


def test_nothing_is_due_between_offsets_or_after_the_last_day():
    ends_on = date(2026, 12, 10)
    for day in [date(2026, 12, 2), date(2026, 12, 4), date(2026, 12, 8), date(2026, 12, 11)]:
        assert (
            reminders.due_offset(ends_on=ends_on, today=day, offsets=TRIAL_OFFSETS, since=day)
            is None
        )


def test_after_days_of_downtime_only_the_most_recent_missed_offset_is_due():
    # Last swept on 1 December; the 7-day (3 Dec) and 3-day (7 Dec) reminders were missed.
    due = reminders.due_offset(
        ends_on=date(2026, 12, 10),
        today=date(2026, 12, 8),
        offsets=TRIAL_OFFSETS,
        since=date(2026, 12, 2),
    )
    assert due == 3


def test_a_leap_day_is_a_day_like_any_other():
    # 1 day before 1 March 2028 is 29 February; 90 days before 29 May 2028 too.
    leap_day = date(2028, 2, 29)
    assert (
        reminders.due_offset(
            ends_on=date(2028, 3, 1), today=leap_day, offsets=TRIAL_OFFSETS, since=leap_day
        )
        == 1
    )
    assert (
        reminders.due_offset(
            ends_on=date(2028, 5, 29), today=leap_day, offsets=RENEWAL_OFFSETS, since=leap_day
        )
        == 90
    )
    # In 2027 there is no 29 February: 90 days before 29 May is 28 February.
    assert (
        reminders.due_offset(
            ends_on=date(2027, 5, 29),
            today=date(2027, 2, 28),
            offsets=RENEWAL_OFFSETS,
            since=date(2027, 2, 28),
        )
        == 90
    )


@pytest.mark.django_db
def test_the_database_query_finds_exactly_what_the_rule_says(company, product):
    today, since = date(2028, 2, 27), date(2028, 2, 20)
    for days in range(-3, 100):
        LicenseFactory(
            company=company,
            product=product,
            starts_on=date(2027, 1, 1),
            ends_on=today + timedelta(days=days),
        )
    found = {
        ends_on: offset
        for ends_on, offset in reminders.due_offsets(
            License.objects.all(), offsets=RENEWAL_OFFSETS, today=today, since=since
        ).values_list("ends_on", "reminder_offset")
    }
    expected = {}
    for days in range(-3, 100):
        ends_on = today + timedelta(days=days)
        offset = reminders.due_offset(
            ends_on=ends_on, today=today, offsets=RENEWAL_OFFSETS, since=since
        )
        if offset is not None:
            expected[ends_on] = offset
    assert found == expected and len(found) > 4


@pytest.mark.django_db
def test_the_daily_sweep_runs_on_the_local_date_of_the_configured_time_zone(
    company, product, monkeypatch, settings
):
    settings.TIME_ZONE = "Europe/Paris"
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 3))
    # 23:30 on 25 November in UTC is already 26 November in Paris: 7 days before the end.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 11, 25, 23, 30, tzinfo=dt.UTC))
    committed(tasks.sweep_reminders.delay)
    reminder = Reminder.objects.get()
    assert (reminder.due_on, reminder.offset, reminder.status) == (date(2026, 11, 26), 7, "sent")


@pytest.mark.django_db
def test_a_trial_extended_after_its_reminder_went_out_is_reminded_again_of_its_new_end(
    company, product, account_manager
):
    trial = TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    sweep(date(2026, 12, 3))
    services.extend_trial(trial=trial, days=7, actor=account_manager)
    mail.outbox.clear()
    assert sweep(date(2026, 12, 4)) == []
    [again] = sweep(date(2026, 12, 10))
    assert (again.offset, again.subject, again.status) == (
        7,
        f"trial:{trial.pk}:2026-12-17",
        "sent",
    )
    assert "ends in 7 days" in mail.outbox[0].subject


@pytest.mark.django_db
def test_a_reminder_whose_trial_was_extended_before_it_was_sent_is_skipped(
    company, product, account_manager
):
    trial = TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    reminder = Reminder.objects.create(
        subject=f"trial:{trial.pk}:2026-12-10",
        kind=reminders.TRIAL_ENDING,
        offset=7,
        due_on=date(2026, 12, 3),
        company=company,
    )
    reminders.queue_reminders([reminder.pk], wake=False)
    services.extend_trial(trial=trial, days=7, actor=account_manager)
    committed(outbox.dispatch)
    assert Reminder.objects.get().status == Reminder.Status.SKIPPED and mail.outbox == []
    assert {message.status for message in OutboxMessage.objects.all()} == {"skipped"}


# The emails


@pytest.mark.django_db
def test_a_trial_reminder_goes_to_the_owner_with_a_link_and_to_the_primary_and_decision_makers(
    company, product, account_manager
):
    decision_maker = ContactFactory(company=company, is_decision_maker=True)
    opted_out = ContactFactory(company=company, is_decision_maker=True, accepts_reminders=False)
    ContactFactory(company=company)  # neither primary nor decision maker
    trial = TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    sweep(date(2026, 12, 7))
    owner_email, *contact_emails = mail.outbox
    assert owner_email.to == [account_manager.email]
    assert f"http://127.0.0.1:8000/trials/?trial={trial.pk}&action=convert" in owner_email.body
    assert "ends in 3 days" in owner_email.subject
    primary = company.contacts.get(is_primary=True)
    # One email per recipient, each with its own Message-ID.
    assert [email.to for email in contact_emails] == [[primary.email], [decision_maker.email]]
    assert len({email.extra_headers["Message-ID"] for email in mail.outbox}) == 3
    for contact_email in contact_emails:
        assert contact_email.reply_to == [account_manager.email]
        assert "/trials/" not in contact_email.body
    assert opted_out.email not in [address for email in mail.outbox for address in email.to]
    html, mimetype = owner_email.alternatives[0]
    assert mimetype == "text/html" and "Convert the trial to a license" in html


@pytest.mark.django_db
def test_a_renewal_reminder_tells_the_owner_and_billing_contact_the_seats_and_annual_value(
    company, product, account_manager, monkeypatch
):
    today_is(monkeypatch, date(2026, 10, 2))
    billing = ContactFactory(company=company, is_billing_contact=True)
    license = LicenseFactory(company=company, product=product, seats=20, ends_on=date(2026, 12, 31))
    sweep(date(2026, 10, 2))  # 90 days before
    owner_email, billing_email = mail.outbox
    assert owner_email.to == [account_manager.email] and billing_email.to == [billing.email]
    for message in (owner_email, billing_email):
        assert "Seats: 20" in message.body and "Annual value: 800.00 EUR" in message.body
    assert f"/licenses/?license={license.pk}&action=renew" in owner_email.body
    assert "in 90 days" in owner_email.subject


@pytest.mark.django_db
def test_a_contact_who_declines_reminders_gets_none_but_the_owner_still_does(
    company, product, account_manager
):
    company.contacts.update(accepts_reminders=False)
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    sweep(date(2026, 12, 10))
    [only] = mail.outbox
    assert only.to == [account_manager.email] and "ends today" in only.subject


@pytest.mark.django_db
def test_no_renewal_reminder_for_a_cancelled_or_renewed_license(company, product, account_manager):
    cancelled = LicenseFactory(company=company, product=product, ends_on=date(2026, 12, 31))
    services.cancel_license(license=cancelled, actor=account_manager)
    renewed = LicenseFactory(company=company, product=product, ends_on=date(2026, 12, 31))
    services.renew_license(
        license=renewed,
        seats=20,
        unit_price=renewed.unit_price,
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 12, 31),
        actor=account_manager,
    )
    assert sweep(date(2026, 12, 24)) == [] and mail.outbox == []


# Exactly once, and nothing lost


@pytest.mark.django_db
def test_the_same_sweep_run_twice_sends_one_reminder(company, product):
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    assert len(sweep(date(2026, 12, 3))) == 1
    assert sweep(date(2026, 12, 3)) == []
    assert len(mail.outbox) == 2  # the owner's and the contacts'
    assert Reminder.objects.get().status == Reminder.Status.SENT


@pytest.mark.django_db
def test_a_send_task_for_a_message_already_sent_sends_nothing(company, product):
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    sweep(date(2026, 12, 3))
    for message in OutboxMessage.objects.all():
        assert send_email.delay(message.pk).result is None
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_the_company_timeline_shows_each_reminder_sent(company, product, account_manager):
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    sweep(date(2026, 12, 3))
    activity = company.activities.get(kind=Activity.Kind.REMINDER)
    assert activity.message.startswith("Trial of")
    assert "Reminder sent" in activity.message and account_manager.email in activity.message


@pytest.mark.django_db
def test_a_send_failing_every_attempt_ends_failed_with_the_error_in_words_and_on_the_timeline(
    company, product, settings, tmp_path
):
    settings.EMAIL_BACKEND = "tests.email_backends.FileOutboxBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.OUTBOX_RETRY_DELAY, settings.OUTBOX_MAX_ATTEMPTS = 0, 3
    (tmp_path / "smtp-down").touch()
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    [reminder] = sweep(date(2026, 12, 3))
    for _ in range(3):
        committed(outbox.dispatch)
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.FAILED and reminder.attempts == 3
    assert "The mail server closed the connection" in reminder.last_error
    assert "failed for" in company.activities.get(kind=Activity.Kind.REMINDER).message
    assert list(tmp_path.glob("*.eml")) == []


@pytest.mark.django_db
def test_a_failed_reminder_resent_after_the_mail_server_is_back_is_sent(
    company, product, settings, tmp_path
):
    settings.EMAIL_BACKEND = "tests.email_backends.FileOutboxBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.OUTBOX_RETRY_DELAY, settings.OUTBOX_MAX_ATTEMPTS = 0, 1
    (tmp_path / "smtp-down").touch()
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    [reminder] = sweep(date(2026, 12, 3))
    (tmp_path / "smtp-down").unlink()
    assert sweep(date(2026, 12, 3)) == []  # a re-run does not resend a failed one...
    committed(outbox.resend_messages, messages=OutboxMessage.objects.failed())  # ...this does
    reminder.refresh_from_db()
    assert (reminder.status, reminder.last_error) == (Reminder.Status.SENT, "")
    assert len(list(tmp_path.glob("*.eml"))) == 2


@pytest.mark.django_db
def test_the_sweep_sends_the_messages_whose_task_was_lost(company, product):
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    # Recorded with their messages, but the on-commit wake-up never ran (a broker lost it).
    reminders.queue_reminders(reminders.record_due_reminders(today=date(2026, 12, 3)))
    assert mail.outbox == []
    assert sweep(date(2026, 12, 3)) == []
    assert Reminder.objects.get().status == Reminder.Status.SENT and len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_reminder_recorded_before_the_outbox_gets_its_messages_from_the_next_sweep(
    company, product
):
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    reminders.record_due_reminders(today=date(2026, 12, 3))  # no messages
    assert sweep(date(2026, 12, 4)) == []
    assert Reminder.objects.get().status == Reminder.Status.SENT and len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_reminder_held_up_for_days_is_worded_from_the_day_it_goes_out(
    company, product, monkeypatch
):
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    reminders.queue_reminders(reminders.record_due_reminders(today=date(2026, 12, 3)))
    today_is(monkeypatch, date(2026, 12, 6))
    committed(outbox.dispatch)
    assert {email.subject.rsplit(" ends ", 1)[1] for email in mail.outbox} == {"in 4 days"}


@pytest.mark.django_db
def test_a_late_sweep_of_a_skipped_day_sends_nothing_the_next_day_already_covered(
    company, product, monkeypatch
):
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    today_is(monkeypatch, date(2026, 12, 10))
    sweep(date(2026, 12, 8))
    sweep(date(2026, 12, 10))  # 9 December was skipped; today's "ends today" went out
    assert [email.subject.rsplit(" ends ", 1)[1] for email in mail.outbox][-1] == "today"
    sent = len(mail.outbox)
    call_command("send_reminders", "--date", "2026-12-09")  # the late run for the skipped day
    assert len(mail.outbox) == sent  # no "ends tomorrow" after "ends today"
    assert Reminder.objects.get(offset=1).status == Reminder.Status.SKIPPED


@pytest.mark.django_db
def test_finding_and_recording_takes_the_same_queries_for_3_or_30_licenses(company, product):
    def queries_for(count: int, day: date) -> int:
        for _ in range(count):
            LicenseFactory(company=company, product=product, ends_on=day + timedelta(days=30))
        with CaptureQueriesContext(connection) as captured:
            ids = reminders.record_due_reminders(today=day)
        assert len(ids) == count
        return len(captured)

    assert queries_for(3, date(2026, 6, 1)) == queries_for(30, date(2026, 8, 1))
    assert ReminderSweep.objects.count() == 2


# The command


@pytest.mark.django_db
def test_send_reminders_dry_run_lists_what_it_would_send_and_records_nothing(
    company, product, capsys
):
    trial = TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    call_command("send_reminders", "--date", "2026-12-09", "--dry-run")
    assert (
        f"would send trial_ending trial:{trial.pk}:2026-12-10 (1 days)" in capsys.readouterr().out
    )
    assert not Reminder.objects.exists() and mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_send_reminders_prints_what_it_sent(company, product, capsys):
    license = LicenseFactory(company=company, product=product, ends_on=date(2026, 12, 31))
    call_command("send_reminders", "--date", "2026-12-01")
    out = capsys.readouterr().out
    assert f"sent renewal_due license:{license.pk}:2026-12-31 (30 days)" in out
    assert "1 reminders for 2026-12-01" in out and len(mail.outbox) == 1  # no billing contact


# Set-up


def test_beat_runs_the_sweep_every_morning_in_the_configured_time_zone(settings):
    entry = celery_app.conf.beat_schedule["send-reminders"]
    assert entry["task"] == tasks.sweep_reminders.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {0})
    assert celery_app.conf.timezone == settings.TIME_ZONE


def test_a_task_is_acknowledged_once_run_and_put_back_when_its_worker_dies():
    assert celery_app.conf.task_acks_late and celery_app.conf.task_reject_on_worker_lost


@pytest.mark.django_db
def test_administrators_find_a_failed_reminder_and_its_error_in_the_admin(client, admin, company):
    Reminder.objects.create(
        subject="trial:1:2026-12-10",
        kind=reminders.TRIAL_ENDING,
        offset=7,
        due_on=date(2026, 12, 3),
        company=company,
        status=Reminder.Status.FAILED,
        last_error="SMTPServerDisconnected: down",
    )
    client.force_login(admin)
    response = client.get(
        reverse("admin:licensing_reminder_changelist"), {"status__exact": "failed", "q": "trial:1"}
    )
    assert response.status_code == 200 and b"trial:1:2026-12-10" in response.content
    detail = client.get(
        reverse("admin:licensing_reminder_change", args=[Reminder.objects.get().pk])
    )
    assert b"SMTPServerDisconnected: down" in detail.content


@pytest.mark.django_db
def test_a_send_task_queued_before_the_outbox_gives_its_reminder_messages_once(company, product):
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    [reminder_id] = reminders.record_due_reminders(today=date(2026, 12, 3))
    committed(tasks.send_reminder.delay, reminder_id)
    committed(tasks.send_reminder.delay, reminder_id)
    assert Reminder.objects.get().status == Reminder.Status.SENT and len(mail.outbox) == 2
