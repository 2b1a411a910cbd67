"""Reminder emails, each sent at most once per (subject, kind, offset).

A sweep finds what falls due with a few set-based queries and records one pending `Reminder`
per due item in bulk (the unique key drops repeats); one task per new record then claims it,
sends it and marks it sent. Other apps add kinds of their own: `register_kind(kind, build)`,
then `insert_reminders(rows)` and `queue_reminders(ids)` (see `record_due_reminders`).
"""

import smtplib
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Case, CharField, DateField, F, IntegerField, Max, Q, Value, When
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Activity
from accounts.services import record_activity
from licensing.models import License, Reminder, ReminderSweep, Trial

# Errors worth retrying: the mail server is down, slow or refusing for now.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)

TRIAL_ENDING = "trial_ending"
RENEWAL_DUE = "renewal_due"
SWEEP_NAME = "licensing"


# kind -> function building the emails of one reminder; [] when it is no longer wanted.
Build = Callable[[Reminder], list[EmailMultiAlternatives]]
_builders: dict[str, Build] = {}


def register_kind(kind: str, build: Build) -> None:
    """Teach the send task how to build the emails of reminders of `kind`."""
    _builders[kind] = build


# Due-date rules


def due_offset(*, ends_on: date, today: date, offsets: Iterable[int], since: date) -> int | None:
    """The offset to remind of today for something whose last day is `ends_on`, or None.

    An offset falls due on `ends_on - offset`. Due today is any offset whose day lies between
    `since` (the first day not yet swept) and today; of those that came, only the most recent
    one is sent, so a sweep after days of downtime sends one reminder, not every missed one.
    Nothing is due once the last day has passed. `due_offsets` is the same rule in SQL."""
    if ends_on < today:
        return None
    come = [offset for offset in offsets if ends_on - timedelta(days=offset) <= today]
    if not come or ends_on - timedelta(days=min(come)) < since:
        return None
    return min(come)


def due_offsets(queryset, *, offsets: Iterable[int], today: date, since: date):
    """`queryset` (of rows with an `ends_on`) narrowed to the rows due a reminder, annotated
    with `reminder_offset`: a range of ends_on per offset, so an index on ends_on serves it."""
    offsets = sorted(set(offsets))
    window = Q()
    for offset in offsets:
        window |= Q(
            ends_on__gte=since + timedelta(days=offset), ends_on__lte=today + timedelta(days=offset)
        )
    most_recent = Case(
        *[
            When(ends_on__lte=today + timedelta(days=offset), then=Value(offset))
            for offset in offsets
        ],
        output_field=IntegerField(),
    )
    return queryset.filter(window, ends_on__gte=today).annotate(reminder_offset=most_recent)


def _parse_subject(subject: str) -> tuple[int, date]:
    _, pk, ends_on = subject.split(":")
    return int(pk), date.fromisoformat(ends_on)


def as_reminder_rows(queryset, *, kind: str, due_on: date):
    """Trials or licenses from `due_offsets` as reminder rows. The subject names the row and
    the end it announces ("trial:12:2026-11-30"), so an extended trial is a new subject whose
    reminders count down to its new end."""
    model_name = queryset.model._meta.model_name
    return queryset.order_by().values(
        reminder_subject=Concat(
            Value(f"{model_name}:"),
            Cast("pk", CharField()),
            Value(":"),
            Cast("ends_on", CharField()),
            output_field=CharField(),
        ),
        reminder_kind=Value(kind, output_field=CharField()),
        reminder_offset=F("reminder_offset"),
        reminder_due_on=Value(due_on, output_field=DateField()),
        reminder_company=F("company_id"),
    )


def due_reminder_rows(*, today: date, since: date):
    """Trial and renewal reminders due today, as one query whatever the number of rows."""
    trials = due_offsets(
        Trial.objects.active(today),
        offsets=settings.REMINDER_TRIAL_OFFSETS,
        today=today,
        since=since,
    )
    # An accepted renewal or a cancellation takes the license out of `awaiting_renewal`; a
    # scheduled license is not due before its start.
    licenses = due_offsets(
        License.objects.awaiting_renewal(today),
        offsets=settings.REMINDER_RENEWAL_OFFSETS,
        today=today,
        since=since,
    )
    return as_reminder_rows(trials, kind=TRIAL_ENDING, due_on=today).union(
        as_reminder_rows(licenses, kind=RENEWAL_DUE, due_on=today), all=True
    )


# Recording and queueing


def insert_reminders(rows) -> list[int]:
    """Record a pending reminder per row of `rows` (a values() queryset with the keys
    reminder_subject, reminder_kind, reminder_offset, reminder_due_on, reminder_company) and
    return the new ones' ids; keys already recorded, by an earlier or a concurrent sweep, are
    skipped. One INSERT ... SELECT: the rows never travel through Python, which keeps a sweep
    over a million licenses close to the cost of its SELECT."""
    select_sql, select_params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(column)
        for column in [
            "subject", "kind", "offset", "due_on", "company_id",
            "status", "attempts", "last_error", "created_at",
        ]
    )  # fmt: skip
    # A NULL company (a digest about no company) reaches PostgreSQL untyped: cast it.
    company_type = Reminder._meta.get_field("company").db_type(connection)
    # "WHERE true" lets SQLite tell the SELECT from the ON CONFLICT clause.
    sql = (
        f"INSERT INTO {quote(Reminder._meta.db_table)} ({columns}) "
        "SELECT due.reminder_subject, due.reminder_kind, due.reminder_offset, "
        f"due.reminder_due_on, CAST(due.reminder_company AS {company_type}), %s, 0, '', %s "
        f"FROM ({select_sql}) AS due WHERE true "
        "ON CONFLICT DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Reminder.Status.PENDING, timezone.now(), *select_params])
        return [pk for (pk,) in cursor.fetchall()]


def queue_reminders(reminder_ids: Iterable[int]) -> None:
    """Queue one send task per reminder, once the current transaction commits."""
    from licensing.tasks import send_reminder

    for reminder_id in reminder_ids:
        send_reminder.delay_on_commit(reminder_id)


def stale_reminder_ids(now=None) -> list[int]:
    """Reminders still pending long after they were recorded: their task was lost (a worker
    killed with its task, a broker flushed). Re-queueing them is safe: the claim sends once."""
    cutoff = (now or timezone.now()) - timedelta(
        seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    )
    return list(
        Reminder.objects.pending().filter(created_at__lt=cutoff).values_list("pk", flat=True)
    )


def _first_unswept_day(today: date) -> date:
    last = ReminderSweep.objects.filter(name=SWEEP_NAME, swept_on__lt=today).aggregate(
        last=Max("swept_on")
    )["last"]
    return last + timedelta(days=1) if last else today


@transaction.atomic
def record_due_reminders(*, today: date) -> list[int]:
    """Record the trial and renewal reminders due since the previous sweep; return the new
    ones' ids. A fixed handful of queries."""
    since = _first_unswept_day(today)
    ids = insert_reminders(due_reminder_rows(today=today, since=since))
    ReminderSweep.objects.bulk_create(
        [ReminderSweep(name=SWEEP_NAME, swept_on=today)], ignore_conflicts=True
    )
    return ids


def preview_due_reminders(*, today: date) -> list[dict]:
    """What `record_due_reminders` would record today, writing nothing."""
    rows = list(due_reminder_rows(today=today, since=_first_unswept_day(today)))
    recorded = set(
        Reminder.objects.filter(subject__in=[row["reminder_subject"] for row in rows]).values_list(
            "subject", "kind", "offset"
        )
    )
    return [
        row
        for row in rows
        if (row["reminder_subject"], row["reminder_kind"], row["reminder_offset"]) not in recorded
    ]


def sweep_reminders(*, today: date | None = None) -> list[int]:
    """The daily sweep: record what is due, queue a send per new reminder and re-queue the
    stale ones; returns the ids of the new reminders."""
    ids = record_due_reminders(today=today or timezone.localdate())
    queue_reminders(ids + stale_reminder_ids())
    return ids


# Sending


def send_reminder(*, reminder_id: int) -> Reminder | None:
    """Claim a pending reminder, send its emails, mark it sent and put it on the company
    timeline (skipped if its subject no longer wants it). Returns None when it is done or
    another worker holds it. A transient mail error is recorded on the reminder, then raised."""
    with transaction.atomic():
        # The row stays locked while the mail goes out: a second task for it skips it, and a
        # worker that dies mid-send rolls back, leaving it pending for the redelivered task.
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("company")
            .filter(pk=reminder_id, status=Reminder.Status.PENDING)
            .first()
        )
        if reminder is None:
            return None
        messages = _builders[reminder.kind](reminder)
        if not messages:
            reminder.status = Reminder.Status.SKIPPED
            reminder.save(update_fields=["status"])
            return reminder
        reminder.attempts += 1
        try:
            get_connection().send_messages(messages)
        except TRANSIENT_ERRORS as error:
            reminder.last_error = f"{type(error).__name__}: {error}"
            reminder.save(update_fields=["attempts", "last_error"])
            failure = error
        else:
            reminder.status = Reminder.Status.SENT
            reminder.sent_at = timezone.now()
            reminder.save(update_fields=["status", "attempts", "sent_at"])
            _record_on_timeline(reminder, f"Reminder sent: {_recipients(messages)}", messages)
            return reminder
    raise failure


@transaction.atomic
def fail_reminder(*, reminder_id: int, error: Exception) -> Reminder | None:
    """Give up on a pending reminder after its last retry: failed, the error kept, on the
    timeline."""
    reminder = (
        Reminder.objects.select_for_update(of=("self",))
        .select_related("company")
        .filter(pk=reminder_id, status=Reminder.Status.PENDING)
        .first()
    )
    if reminder is None:
        return None
    reminder.status = Reminder.Status.FAILED
    reminder.last_error = f"{type(error).__name__}: {error}"
    reminder.save(update_fields=["status", "last_error"])
    _record_on_timeline(reminder, f"Reminder failed after {reminder.attempts} attempts: {error}")
    return reminder


def retry_delay(retries: int) -> int:
    """Seconds before retry number `retries + 1`: doubling from REMINDER_RETRY_DELAY."""
    return settings.REMINDER_RETRY_DELAY * 2**retries


def _recipients(messages: list[EmailMultiAlternatives]) -> str:
    return ", ".join(address for message in messages for address in message.to)


def _record_on_timeline(reminder: Reminder, outcome: str, messages=()) -> None:
    if reminder.company is None:
        return
    about = messages[0].subject if messages else reminder.subject
    record_activity(
        company=reminder.company, kind=Activity.Kind.REMINDER, message=f"{about} — {outcome}"
    )


# The emails of trial and renewal reminders


def site_url(url_name: str, **query) -> str:
    """An absolute link into Seatdesk, for emails."""
    return f"{settings.SITE_URL.rstrip('/')}{reverse(url_name)}?{urlencode(query)}"


def days_phrase(days: int) -> str:
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")


def render_emails(
    *, template: str, subject: str, context: dict, owner, contacts
) -> list[EmailMultiAlternatives]:
    """One email to the account manager (with links into Seatdesk) and one to the contacts
    who accept reminders (answering goes to the account manager)."""
    audiences = []
    if owner.email:
        audiences.append(("owner", [owner.email], []))
    contact_emails = [contact.email for contact in contacts if contact.accepts_reminders]
    if contact_emails:
        audiences.append(("contacts", contact_emails, [owner.email] if owner.email else []))
    messages = []
    for audience, to, reply_to in audiences:
        full_context = {**context, "audience": audience, "owner": owner, "title": subject}
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"{template}.txt", full_context),
            to=to,
            reply_to=reply_to,
        )
        message.attach_alternative(render_to_string(f"{template}.html", full_context), "text/html")
        messages.append(message)
    return messages


def build_trial_ending(reminder: Reminder) -> list[EmailMultiAlternatives]:
    pk, ends_on = _parse_subject(reminder.subject)
    trial = (
        Trial.objects.active()
        .filter(pk=pk, ends_on=ends_on)
        .select_related("company__owner", "product")
        .first()
    )
    if trial is None:  # converted, cancelled or extended since it fell due
        return []
    contacts = trial.company.contacts.filter(Q(is_primary=True) | Q(is_decision_maker=True))
    days_left = (trial.ends_on - reminder.due_on).days
    return render_emails(
        template="licensing/emails/trial_ending",
        subject=f"Trial of {trial.product} for {trial.company} ends {days_phrase(days_left)}",
        context={
            "trial": trial,
            "days_left": days_phrase(days_left),
            "convert_url": site_url("trial_list", trial=trial.pk, action="convert"),
        },
        owner=trial.company.owner,
        contacts=contacts,
    )


def build_renewal_due(reminder: Reminder) -> list[EmailMultiAlternatives]:
    pk, ends_on = _parse_subject(reminder.subject)
    license = (
        License.objects.active()
        .filter(pk=pk, ends_on=ends_on, renewal__isnull=True)
        .select_related("company__owner", "product")
        .first()
    )
    if license is None:  # renewed, cancelled or expired since it fell due
        return []
    days_left = (license.ends_on - reminder.due_on).days
    return render_emails(
        template="licensing/emails/renewal_due",
        subject=f"{license.product} for {license.company} is up for renewal {days_phrase(days_left)}",
        context={
            "license": license,
            "days_left": days_phrase(days_left),
            "renew_url": site_url("license_list", license=license.pk, action="renew"),
        },
        owner=license.company.owner,
        contacts=license.company.contacts.filter(is_billing_contact=True),
    )


register_kind(TRIAL_ENDING, build_trial_ending)
register_kind(RENEWAL_DUE, build_renewal_due)
