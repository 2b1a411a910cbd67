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

from accounts.models import Activity
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
    services.extend_trial(trial=trial, days=7, actor=account_manager)
    tasks.send_reminder.delay(reminder.pk)
    assert Reminder.objects.get().status == Reminder.Status.SKIPPED and mail.outbox == []


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
    owner_email, contact_email = mail.outbox
    assert owner_email.to == [account_manager.email]
    assert f"http://127.0.0.1:8000/trials/?trial={trial.pk}&action=convert" in owner_email.body
    assert "ends in 3 days" in owner_email.subject
    primary = company.contacts.get(is_primary=True)
    assert sorted(contact_email.to) == sorted([primary.email, decision_maker.email])
    assert opted_out.email not in contact_email.to and contact_email.reply_to == [
        account_manager.email
    ]
    assert "/trials/" not in contact_email.body
    html, mimetype = owner_email.alternatives[0]
    assert mimetype == "text/html" and "Convert the trial to a license" in html


@pytest.mark.django_db
def test_a_renewal_reminder_tells_the_owner_and_billing_contact_the_seats_and_annual_value(
    company, product, account_manager
):
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
def test_a_send_task_for_a_reminder_already_sent_sends_nothing(company, product):
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    [reminder] = sweep(date(2026, 12, 3))
    tasks.send_reminder.delay(reminder.pk)
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_the_company_timeline_shows_each_reminder_sent(company, product, account_manager):
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    sweep(date(2026, 12, 3))
    activity = company.activities.get(kind=Activity.Kind.REMINDER)
    assert activity.message.startswith("Trial of")
    assert "Reminder sent" in activity.message and account_manager.email in activity.message


@pytest.mark.django_db
def test_a_send_failing_every_retry_ends_failed_with_the_error_kept_and_on_the_timeline(
    company, product, settings, tmp_path, monkeypatch
):
    # Eager retries run one after the other in place, unless the Retry is propagated.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    settings.EMAIL_BACKEND = "tests.email_backends.FileOutboxBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    (tmp_path / "smtp-down").touch()
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    [reminder] = sweep(date(2026, 12, 3))
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.FAILED
    assert reminder.attempts == settings.REMINDER_MAX_RETRIES + 1
    assert "SMTPServerDisconnected" in reminder.last_error
    assert "Reminder failed" in company.activities.get(kind=Activity.Kind.REMINDER).message
    assert list(tmp_path.glob("*.eml")) == []


def test_retries_back_off_exponentially(settings):
    settings.REMINDER_RETRY_DELAY = 60
    assert [reminders.retry_delay(retries) for retries in range(4)] == [60, 120, 240, 480]


@pytest.mark.django_db
def test_the_sweep_requeues_a_reminder_left_pending_by_a_lost_task(company, product):
    TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
    [reminder_id] = reminders.record_due_reminders(today=date(2026, 12, 3))
    Reminder.objects.filter(pk=reminder_id).update(created_at=timezone.now() - timedelta(hours=3))
    assert sweep(date(2026, 12, 4)) == []
    assert Reminder.objects.get().status == Reminder.Status.SENT and len(mail.outbox) == 2


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


def test_the_broker_holds_a_task_longer_than_the_longest_retry_countdown(settings):
    longest = max(reminders.retry_delay(n) for n in range(settings.REMINDER_MAX_RETRIES))
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > longest
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
