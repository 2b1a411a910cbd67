"""The daily follow-up digest: one email a day to each account manager with overdue
follow-ups. A kind of reminder (licensing/reminders.py), like the onboarding digest: one
`Reminder` per "user:<id>:<day>" with its outbox message, recorded together, so duplicate beats
and retries record and send it once, and a failure is kept and can be re-sent. It lives in
sales because the reminders are licensing's and accounts may not import licensing."""

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string

from accounts.models import FollowUp, OutboxMessage
from licensing.models import Reminder
from licensing.reminder_emails import site_url
from licensing.reminders import (
    digest_user_id,
    insert_reminders,
    queue_reminders,
    register_kind,
    user_digest_recipients,
    user_digest_rows,
)

DIGEST = "follow_up_digest"


def digest_rows(*, today: date):
    """A reminder row per active user with an email and an overdue follow-up, in one query."""
    users = get_user_model().objects.filter(
        Exists(FollowUp.objects.overdue(today).filter(assignee=OuterRef("pk")))
    )
    return user_digest_rows(users, kind=DIGEST, today=today)


@transaction.atomic
def record_digests(*, today: date) -> list[int]:
    """Record today's digests with their messages (sent once this commits); returns the new
    ones' ids (none for a person whose digest of the day is already recorded)."""
    ids = insert_reminders(digest_rows(today=today))
    queue_reminders(ids)
    return ids


def build_digest(reminder: Reminder, message: OutboxMessage) -> EmailMultiAlternatives | None:
    """The digest, from what is still overdue on the day it fell due; none (skipped) when
    the person caught up meanwhile or can no longer receive it."""
    day = reminder.due_on
    user = (
        get_user_model()
        .objects.filter(pk=digest_user_id(reminder), is_active=True)
        .exclude(email="")
        .first()
    )
    if user is None:
        return None
    overdue = list(
        FollowUp.objects.overdue(day)
        .assigned_to(user)
        .select_related("company", "contact")
        .order_by("due_on", "pk")
    )
    if not overdue:
        return None
    count = f"{len(overdue)} overdue follow-up{'s' if len(overdue) != 1 else ''}"
    subject = f"Follow-ups for {day.day} {day:%B %Y}: {count}"
    context = {
        "user": user,
        "day": day,
        "title": subject,
        "follow_ups": [(follow_up, (day - follow_up.due_on).days) for follow_up in overdue],
        "site": settings.SITE_URL.rstrip("/"),
        "home_url": site_url("home"),
    }
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("sales/emails/follow_up_digest.txt", context),
        to=[user.email],
    )
    email.attach_alternative(
        render_to_string("sales/emails/follow_up_digest.html", context), "text/html"
    )
    return email


register_kind(DIGEST, recipients=user_digest_recipients, build=build_digest)
