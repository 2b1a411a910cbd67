"""The email outbox: every email Seatdesk sends is an `OutboxMessage` row, one per recipient,
written in the same transaction as the business change that causes it.

PostgreSQL is the source of truth; the broker only wakes workers up. On commit, and every
minute from beat (`dispatch`), each due row gets a `send_email` task; the task claims the row
(`SELECT ... FOR UPDATE SKIP LOCKED`, then commits `sending` with the attempt and the time)
before it talks to the mail server, and records `sent` right after the server accepts (if
the database went away meanwhile, a restart, it tries again within the send's time limit). A
row left `sending` by a crash is claimed again after OUTBOX_LEASE_SECONDS. So delivery is
at least once at the SMTP boundary: a worker dying between the server's acceptance and the
commit sends that one email again, with the same Message-ID, which mail clients collapse.

A permanent refusal (5xx, a refused recipient) fails that message at once; a temporary one
(4xx, no connection, a time-out) is retried with a doubling delay kept in `next_attempt_at`.

Apps teach the outbox their kinds of email with `register(kind, build=..., settle=...)`:
`build(message)` composes the email when it goes out (None: no longer wanted, skipped;
`ComposeLater`: not ready yet, e.g. an attachment still to draw, tried again like a 4xx);
`settle(message)` runs in the transaction of each change of the message's status, so the
business record (a reminder, a quote) derives its state from its messages.
"""

import logging
import smtplib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from accounts.models import OutboxMessage

logger = logging.getLogger(__name__)
Status = OutboxMessage.Status


@dataclass(frozen=True)
class Kind:
    build: Callable[[OutboxMessage], EmailMessage | None]
    settle: Callable[[OutboxMessage], None] | None = None


_kinds: dict[str, Kind] = {}
BATCH = 500  # messages per INSERT (and per look-up of their ids)
RECORD_RETRY_SECONDS = 0.5


def register(kind: str, *, build, settle=None) -> None:
    """Teach the outbox how to compose the emails of `kind` and whom to tell of their fate."""
    _kinds[kind] = Kind(build=build, settle=settle)


# Writing messages


def add_messages(messages: Iterable[OutboxMessage], *, wake: bool = True) -> list[int]:
    """Record `messages` (unsaved rows with a unique `key`) in the current transaction and
    (unless the caller dispatches itself) wake a worker once it commits; a key already
    recorded is skipped. Returns the ids of the rows waiting to be sent."""
    messages = list(messages)
    now = timezone.now()
    ids: list[int] = []
    for start in range(0, len(messages), BATCH):
        batch = messages[start : start + BATCH]
        for message in batch:
            message.created_at = message.next_attempt_at = now
        OutboxMessage.objects.bulk_create(batch, ignore_conflicts=True)
        ids += OutboxMessage.objects.filter(
            key__in=[message.key for message in batch], status=Status.PENDING
        ).values_list("pk", flat=True)
    ids.sort()
    if wake:
        wake_workers(ids)
    return ids


def wake_workers(message_ids: Iterable[int]) -> None:
    """Hand `message_ids` to the workers once the current transaction commits. Best effort:
    with the broker down nothing is lost, beat's dispatch finds the rows within a minute."""
    ids = list(message_ids)
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))


def _enqueue(message_ids: list[int]) -> int:
    from accounts.tasks import send_email

    handed = 0
    for message_id in message_ids:
        try:
            send_email.delay(message_id)
        except EmailFailed:
            pass  # without a broker the task ran here, and logged its failure
        except Exception:
            logger.warning(
                "Could not queue outgoing email %s (the broker?); the next dispatch will.",
                message_id,
                exc_info=True,
            )
            return handed
        handed += 1
    return handed


@transaction.atomic
def resend_messages(*, messages, now: datetime | None = None) -> int:
    """Send failed or stuck messages again now, with a fresh retry budget (their Message-ID
    is kept). Sent and skipped messages are left alone. Returns how many were re-queued."""
    now = now or timezone.now()
    rows = list(
        messages.select_for_update(of=("self",))
        .exclude(status__in=[Status.SENT, Status.SKIPPED])
        .order_by("pk")
    )
    for message in rows:
        message.status, message.attempts = Status.PENDING, 0
        message.next_attempt_at, message.claimed_at = now, None
        message.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_at"])
        _settle(message)
    wake_workers([message.pk for message in rows])
    return len(rows)


@transaction.atomic
def dismiss_messages(*, messages, actor) -> int:
    """Give up on failed or stuck messages (an address that will never work): skipped, with
    who dismissed them in the error, off the administrators' list. Returns how many."""
    rows = list(
        messages.select_for_update(of=("self",))
        .exclude(status__in=[Status.SENT, Status.SKIPPED])
        .order_by("pk")
    )
    for message in rows:
        message.status = Status.SKIPPED
        message.last_error = f"Dismissed by {actor}. {message.last_error}".strip()
        message.save(update_fields=["status", "last_error"])
        _settle(message)
    return len(rows)


# Dispatching and sending


def lease_cutoff(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def due_message_ids(now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        OutboxMessage.objects.due(now, lease_cutoff(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
    )


def dispatch(now: datetime | None = None) -> int:
    """Hand every due message (and every one left `sending` past its lease) to the workers.
    Run every minute by beat and by a re-run sweep; a row handed twice is claimed once."""
    return _enqueue(due_message_ids(now))


class EmailFailed(Exception):
    """An email failed for good; its Celery task ends failed so monitoring sees it."""


class ComposeLater(Exception):
    """Raised by a kind's `build`: the email cannot be written yet (its message says why, for
    administrators); it is tried again after the delay of a temporary send error."""


def deliver(*, message_id: int, now: datetime | None = None) -> OutboxMessage | None:
    """Claim one due message, send it and record the outcome; None when it is not due or
    another worker holds it. Never raises for a mail error: it is recorded on the row."""
    started = time.monotonic()
    message = _claim(message_id, now or timezone.now())
    if message is None or message.status != Status.SENDING:
        return message
    try:
        email = _kinds[message.kind].build(message)
    except (SoftTimeLimitExceeded, ComposeLater) as error:
        return _record_failure(message_id, error, permanent=False)
    except Exception as error:  # a bug or missing data: retrying would not help
        logger.exception("Could not compose outgoing email %s", message_id)
        return _record_failure(message_id, error, permanent=True, composing=True)
    if email is None:
        return _record(message_id, status=Status.SKIPPED)
    email.extra_headers["Message-ID"] = message.message_id
    if not email.to:
        email.to = [message.recipient]
    try:
        get_connection(timeout=settings.EMAIL_TIMEOUT).send_messages([email])
    except Exception as error:  # every send error is recorded; its kind decides a retry
        return _record_failure(message_id, error, permanent=None, subject=email.subject)
    until = started + settings.OUTBOX_SEND_TIME_LIMIT
    return _record_sent(message_id, subject=email.subject, until=until)


@transaction.atomic
def _claim(message_id: int, now: datetime) -> OutboxMessage | None:
    message = (
        OutboxMessage.objects.select_for_update(skip_locked=True)
        .due(now, lease_cutoff(now))
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return None
    if message.status == Status.SENDING and message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        # Its worker died on every attempt (killed, out of memory): stop trying.
        message.status = Status.FAILED
        message.last_error = (
            f"The worker sending it stopped during each of {message.attempts} attempts."
        )
        message.save(update_fields=["status", "last_error"])
        _settle(message)
        _log_final_failure(message)
        return message
    message.status, message.claimed_at = Status.SENDING, now
    message.attempts += 1
    message.save(update_fields=["status", "claimed_at", "attempts"])
    _settle(message)
    return message


@transaction.atomic
def _record(message_id: int, *, status: str, subject: str = "") -> OutboxMessage:
    message = OutboxMessage.objects.select_for_update().get(pk=message_id)
    message.status = status
    message.subject = subject[:300] or message.subject
    message.claimed_at = None
    if status == Status.SENT:
        message.sent_at, message.last_error = timezone.now(), ""
    message.save(update_fields=["status", "subject", "claimed_at", "sent_at", "last_error"])
    _settle(message)
    return message


def _record_sent(message_id: int, *, subject: str, until: float) -> OutboxMessage:
    """Record what the server accepted. A database that went away after the acceptance (a
    restart, a failover) is waited for until `until`: without this record the email would be
    sent again after its lease."""
    while True:
        try:
            return _record(message_id, status=Status.SENT, subject=subject)
        except (OperationalError, InterfaceError):
            if time.monotonic() + RECORD_RETRY_SECONDS > until:
                raise
            connection.close()  # Django does not reconnect inside a task by itself
            time.sleep(RECORD_RETRY_SECONDS)


@transaction.atomic
def _record_failure(
    message_id: int, error: BaseException, *, permanent, subject: str = "", composing=False
) -> OutboxMessage:
    is_permanent, words = describe_error(error)
    if composing:
        words = f"The email could not be written: {type(error).__name__}: {error}"
    if permanent is not None:
        is_permanent = permanent
    message = OutboxMessage.objects.select_for_update().get(pk=message_id)
    message.subject = subject[:300] or message.subject
    message.last_error, message.claimed_at = words, None
    if is_permanent or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        message.status = Status.FAILED
    else:
        message.status = Status.PENDING
        message.next_attempt_at = timezone.now() + timedelta(seconds=retry_delay(message.attempts))
    message.save(update_fields=["status", "subject", "last_error", "claimed_at", "next_attempt_at"])
    _settle(message)
    if message.status == Status.FAILED:
        _log_final_failure(message)
    else:
        logger.warning(
            "Email %s to %s failed (attempt %s), retried at %s: %s",
            message.pk, message.recipient, message.attempts, message.next_attempt_at, words,
        )  # fmt: skip
    return message


def _log_final_failure(message: OutboxMessage) -> None:
    logger.error(
        "Email %s to %s (%s) failed after %s attempts: %s",
        message.pk, message.recipient, message.subject or message.kind, message.attempts,
        message.last_error,
    )  # fmt: skip


def _settle(message: OutboxMessage) -> None:
    kind = _kinds.get(message.kind)
    if kind and kind.settle:
        kind.settle(message)


def retry_delay(attempts: int) -> int:
    """Seconds before the next try after `attempts` tries: doubling from OUTBOX_RETRY_DELAY,
    at most OUTBOX_RETRY_MAX_DELAY."""
    delay = settings.OUTBOX_RETRY_DELAY * 2 ** max(attempts - 1, 0)
    return min(delay, settings.OUTBOX_RETRY_MAX_DELAY)


def describe_error(error: BaseException) -> tuple[bool, str]:
    """(permanent?, the error in words an administrator can act on)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refusals = [
            (address, code, _text(reply)) for address, (code, reply) in error.recipients.items()
        ]
        words = "; ".join(f"{address}: {code} {reply}" for address, code, reply in refusals)
        permanent = all(code >= 500 for _, code, _ in refusals)
        return permanent, f"The mail server refused the recipient ({words})."
    if isinstance(error, smtplib.SMTPResponseException):
        permanent = error.smtp_code >= 500
        later = "" if permanent else "; it will be tried again"
        return permanent, (
            f"The mail server answered {error.smtp_code} {_text(error.smtp_error)}{later}."
        )
    if isinstance(error, SoftTimeLimitExceeded):
        return False, "Sending took longer than the time allowed; it will be tried again."
    if isinstance(error, ComposeLater):
        return False, f"{error}; it will be tried again."
    # smtplib reports a time-out while reading a reply as a disconnection.
    if isinstance(error, TimeoutError) or "timed out" in str(error):
        return False, (
            f"The mail server did not answer within {settings.EMAIL_TIMEOUT} seconds; "
            "it will be tried again."
        )
    if isinstance(error, ConnectionRefusedError):
        return (
            False,
            "The mail server refused the connection (is it down?); it will be tried again.",
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return False, f"The mail server closed the connection ({error}); it will be tried again."
    if isinstance(error, OSError):
        return False, f"The mail server could not be reached ({error}); it will be tried again."
    return False, f"Sending failed ({type(error).__name__}: {error}); it will be tried again."


def _text(reply) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


# What administrators and monitoring see


def overdue_cutoff(now: datetime) -> datetime:
    return now - timedelta(minutes=settings.OUTBOX_ALERT_MINUTES)


def stuck_messages(now: datetime | None = None):
    """Due and not sent for more than OUTBOX_ALERT_MINUTES (no worker, a broker lost its
    tasks, a worker died holding it, a mail server down while the retries wait)."""
    return OutboxMessage.objects.stuck(overdue_cutoff(now or timezone.now()))


def messages_needing_attention(now: datetime | None = None):
    """Failed and stuck messages, for the administrators' page and the home page count."""
    now = now or timezone.now()
    return OutboxMessage.objects.needing_attention(overdue_cutoff(now))


def attention_counts(now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "failed": OutboxMessage.objects.failed().count(),
        "stuck": stuck_messages(now).count(),
    }
