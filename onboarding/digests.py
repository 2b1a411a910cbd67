"""The daily onboarding digest: one email a day to each person with something late — the tasks
assigned to them that are overdue and the onboardings they own that are past their target
go-live date, together. It is a kind of reminder (licensing/reminders.py): one `Reminder` per
"user:<id>:<day>" with its outbox message, recorded together, so duplicate runs and retries
record it once, and failures are kept and can be re-sent."""

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string

from accounts.models import OutboxMessage
from licensing.models import Reminder
from licensing.reminder_emails import site_url
from licensing.reminders import (
    digest_user_id,
    insert_reminders,
    queue_reminders,
    user_digest_rows,
)
from onboarding.models import Onboarding, Task

DIGEST = "onboarding_digest"


# On hold means waiting on the client: nothing to chase until it resumes, so neither the
# onboarding nor its tasks are in the digest (the board still shows them).
def overdue_tasks(today: date):
    return Task.objects.overdue(today).exclude(onboarding__status=Onboarding.Status.ON_HOLD)


def late_onboardings(today: date):
    return Onboarding.objects.past_target(today).exclude(status=Onboarding.Status.ON_HOLD)


def digest_rows(*, today: date):
    """A reminder row per active user with an email and something late today, in one query."""
    users = get_user_model().objects.filter(
        Exists(overdue_tasks(today).filter(assignee=OuterRef("pk")))
        | Exists(late_onboardings(today).filter(owner=OuterRef("pk")))
    )
    return user_digest_rows(users, kind=DIGEST, today=today)


@transaction.atomic
def record_digests(*, today: date) -> list[int]:
    """Record today's digests with their messages (sent once this commits); returns the new
    ones' ids (none for a person whose digest of the day is already recorded)."""
    ids = insert_reminders(digest_rows(today=today))
    queue_reminders(ids)
    return ids


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def build_digest(reminder: Reminder, message: OutboxMessage) -> EmailMultiAlternatives | None:
    """The digest email, from what is still late on the day it fell due; none (skipped) when
    the person caught up in the meantime or can no longer receive it."""
    user_id = digest_user_id(reminder)
    day = reminder.due_on
    user = get_user_model().objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return None
    tasks = overdue_tasks(day).filter(assignee=user).by_assignee().get(user, [])
    onboardings = late_onboardings(day).filter(owner=user).by_owner().get(user, [])
    if not tasks and not onboardings:
        return None
    late = [_count(len(tasks), "overdue task")] if tasks else []
    if onboardings:
        late.append(_count(len(onboardings), "onboarding") + " past target go-live")
    subject = f"Onboarding digest for {day.day} {day:%B %Y}: {' and '.join(late)}"
    context = {
        "user": user,
        "day": day,
        "title": subject,
        "tasks": [(task, (day - task.due_on).days) for task in tasks],
        "onboardings": [
            (onboarding, (day - onboarding.target_live_on).days) for onboarding in onboardings
        ],
        "site": settings.SITE_URL.rstrip("/"),
        "board_url": site_url("onboarding_board", mine="on", overdue="on"),
    }
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("onboarding/emails/digest.txt", context),
        to=[user.email],
    )
    email.attach_alternative(
        render_to_string("onboarding/emails/digest.html", context), "text/html"
    )
    return email
