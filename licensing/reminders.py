"""Reminder emails, each recorded at most once per (subject, kind, offset).

A sweep finds what falls due with a few set-based queries and records one pending `Reminder`
per due item in bulk (the unique key drops repeats), with one outbox message per recipient in
the same transaction (accounts/outbox.py sends them). A reminder's status derives from its
messages. Other apps add kinds of their own: `register_kind(kind, recipients=, build=)`, then
`insert_reminders(rows)` and `queue_reminders(ids)` (see `record_due_reminders`). The emails
of trial and renewal reminders are in licensing/reminder_emails.py.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from accounts import outbox
from accounts.models import Activity, OutboxMessage
from accounts.services import record_activity
from licensing.models import License, Reminder, ReminderSweep, Trial, UsageSummary

TRIAL_ENDING = "trial_ending"
RENEWAL_DUE = "renewal_due"
# Once per license and term (offset 0): its renewal is due and its seats are little used.
RENEWAL_AT_RISK = "renewal_at_risk"
SWEEP_NAME = "licensing"
OUTBOX_KIND = "reminder"

# (reminder, audience, email address): who receives a reminder, one message each.
Recipient = tuple[Reminder, str, str]


@dataclass(frozen=True)
class ReminderKind:
    # The recipients of a batch of reminders of this kind (a few queries for the batch).
    recipients: Callable[[list[Reminder]], Iterable[Recipient]]
    # The email of one message, composed when it goes out; None when no longer wanted.
    build: Callable[[Reminder, OutboxMessage], EmailMessage | None]


_kinds: dict[str, ReminderKind] = {}


def register_kind(kind: str, *, recipients, build) -> None:
    """Teach reminders of `kind` whom they go to and how their email reads."""
    _kinds[kind] = ReminderKind(recipients=recipients, build=build)


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


def parse_subject(subject: str) -> tuple[int, date]:
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
    """Trial, renewal and renewal-at-risk reminders due today, as one query whatever the
    number of rows."""
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
        as_reminder_rows(licenses, kind=RENEWAL_DUE, due_on=today),
        at_risk_reminder_rows(today=today),
        all=True,
    )


def at_risk_reminder_rows(*, today: date):
    """Licenses whose renewal is at risk today (UsageSummary.renewal_at_risk) as reminder
    rows; the subject names the license and the end of its term, so the reminder goes once
    per term, whenever in the renewal window the risk first shows."""
    return (
        UsageSummary.objects.renewal_at_risk(today)
        .order_by()
        .values(
            reminder_subject=Concat(
                Value("license:"),
                Cast("license_id", CharField()),
                Value(":"),
                Cast("license__ends_on", CharField()),
                output_field=CharField(),
            ),
            reminder_kind=Value(RENEWAL_AT_RISK, output_field=CharField()),
            reminder_offset=Value(0, output_field=IntegerField()),
            reminder_due_on=Value(today, output_field=DateField()),
            reminder_company=F("license__company_id"),
        )
    )


def user_digest_rows(users, *, kind: str, today: date):
    """A daily digest of `kind` for each of `users` (active, with an email) as reminder rows:
    the subject "user:<id>:<day>" makes it once per person and day."""
    users = users.filter(is_active=True).exclude(email="")
    return users.order_by().values(
        reminder_subject=Concat(
            Value("user:"),
            Cast("pk", CharField()),
            Value(f":{today.isoformat()}"),
            output_field=CharField(),
        ),
        reminder_kind=Value(kind, output_field=CharField()),
        reminder_offset=Value(0, output_field=IntegerField()),
        reminder_due_on=Value(today, output_field=DateField()),
        reminder_company=Value(None, output_field=IntegerField()),
    )


def digest_user_id(reminder: Reminder) -> int:
    """The person a daily digest (user_digest_rows) is for."""
    return int(reminder.subject.split(":")[1])


def user_digest_recipients(reminders: list[Reminder]):
    """The recipients of daily digests: each one's person (decided again when it goes out)."""
    users = (
        get_user_model()
        .objects.filter(pk__in=[digest_user_id(reminder) for reminder in reminders])
        .exclude(email="")
        .in_bulk()
    )
    for reminder in reminders:
        user = users.get(digest_user_id(reminder))
        if user is not None:
            yield reminder, "user", user.email


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


def unqueued_reminder_ids() -> list[int]:
    """Pending reminders without a message (recorded before the outbox existed)."""
    return unqueued_reminder_ids_among(None)


def unqueued_reminder_ids_among(reminder_ids: list[int] | None) -> list[int]:
    messages = OutboxMessage.objects.filter(kind=OUTBOX_KIND, source_id=OuterRef("pk"))
    pending = Reminder.objects.pending().filter(~Exists(messages))
    if reminder_ids is not None:
        pending = pending.filter(pk__in=reminder_ids)
    return list(pending.values_list("pk", flat=True))


def sweep_reminders(*, today: date | None = None) -> list[int]:
    """The daily sweep: record what is due with its messages, in one transaction, then hand
    every due message to the workers (a re-run sweep re-queues what a lost broker dropped).
    Returns the ids of the new reminders."""
    with transaction.atomic():
        ids = record_due_reminders(today=today or timezone.localdate())
        queue_reminders(ids + unqueued_reminder_ids(), wake=False)
    outbox.dispatch()
    return ids


# Recipients and messages


def queue_reminders(reminder_ids: Iterable[int], *, wake: bool = True) -> list[int]:
    """Record one outbox message per recipient of each reminder, in the current transaction
    (a reminder with no one to send to is skipped); returns the messages' ids. By batches,
    so a large sweep stays within a database's limit of query parameters."""
    reminder_ids = list(reminder_ids)
    ids: list[int] = []
    for start in range(0, len(reminder_ids), outbox.BATCH):
        ids += _queue_batch(reminder_ids[start : start + outbox.BATCH], wake=wake)
    return ids


def _queue_batch(reminder_ids: list[int], *, wake: bool) -> list[int]:
    found = list(Reminder.objects.filter(pk__in=reminder_ids).order_by("pk"))
    messages: dict[str, OutboxMessage] = {}
    for kind in {reminder.kind for reminder in found}:
        batch = [reminder for reminder in found if reminder.kind == kind]
        for reminder, audience, email in _kinds[kind].recipients(batch):
            key = f"{OUTBOX_KIND}:{reminder.pk}:{email.lower()}"
            messages.setdefault(
                key,
                OutboxMessage(
                    key=key,
                    kind=OUTBOX_KIND,
                    source_id=reminder.pk,
                    recipient=email,
                    audience=audience,
                    company_id=reminder.company_id,
                ),
            )
    addressed = {message.source_id for message in messages.values()}
    Reminder.objects.filter(
        pk__in=[reminder.pk for reminder in found if reminder.pk not in addressed],
        status=Reminder.Status.PENDING,
    ).update(status=Reminder.Status.SKIPPED, last_error="No one to send it to.")
    return outbox.add_messages(messages.values(), wake=wake)


def _build(message: OutboxMessage) -> EmailMessage | None:
    reminder = Reminder.objects.select_related("company").get(pk=message.source_id)
    return _kinds[reminder.kind].build(reminder, message)


def settle_reminder(message: OutboxMessage) -> None:
    """A reminder's state from its messages: pending while one is on its way, failed when one
    failed, sent when one went, else skipped; on the company timeline once it is settled."""
    reminder = (
        Reminder.objects.select_for_update(of=("self",))
        .select_related("company")
        .filter(pk=message.source_id)
        .first()
    )
    if reminder is None:
        return
    messages = list(OutboxMessage.objects.for_source(OUTBOX_KIND, reminder.pk).order_by("pk"))
    statuses = {each.status for each in messages}
    Status = OutboxMessage.Status
    if statuses & {Status.PENDING, Status.SENDING}:
        status = Reminder.Status.PENDING
    elif Status.FAILED in statuses:
        status = Reminder.Status.FAILED
    elif Status.SENT in statuses:
        status = Reminder.Status.SENT
    else:
        status = Reminder.Status.SKIPPED
    settled = status != reminder.status and status in (Reminder.Status.SENT, Reminder.Status.FAILED)
    reminder.status = status
    reminder.attempts = max((each.attempts for each in messages), default=0)
    reminder.last_error = "; ".join(
        f"{each.recipient}: {each.last_error}"
        for each in messages
        if each.last_error and each.status != Status.SENT
    )
    reminder.sent_at = max((each.sent_at for each in messages if each.sent_at), default=None)
    reminder.save(update_fields=["status", "attempts", "last_error", "sent_at"])
    if settled:
        _record_on_timeline(reminder, messages)


def _record_on_timeline(reminder: Reminder, messages: list[OutboxMessage]) -> None:
    if reminder.company is None:
        return
    about = next((each.subject for each in messages if each.subject), reminder.subject)
    sent = [each.recipient for each in messages if each.status == OutboxMessage.Status.SENT]
    failed = [each for each in messages if each.status == OutboxMessage.Status.FAILED]
    outcome = f"Reminder sent: {', '.join(sent)}" if sent else "Reminder not sent"
    if failed:
        outcome += "; failed for " + "; ".join(
            f"{each.recipient} ({each.last_error})" for each in failed
        )
    record_activity(
        company=reminder.company, kind=Activity.Kind.REMINDER, message=f"{about} — {outcome}"[:300]
    )


outbox.register(OUTBOX_KIND, build=_build, settle=settle_reminder)
