"""The emails of trial and renewal reminders: whom they go to (decided when the reminder is
recorded, one outbox message each) and how they read (composed when each goes out).

The wording counts the days from the day the email really goes out, never from an earlier
day: a reminder held up by a mail server outage, or recorded by a late `--date` sweep, says
"ends tomorrow" only when it does. One that has become wrong is skipped: its trial or license
ended, changed or was renewed, or a later reminder of the same end was recorded since."""

from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Company, Contact, OutboxMessage
from licensing.models import License, Reminder, Trial, UsageSummary
from licensing.reminders import (
    RENEWAL_AT_RISK,
    RENEWAL_DUE,
    TRIAL_ENDING,
    parse_subject,
    register_kind,
)

OWNER, CONTACT = "owner", "contact"


def site_url(url_name: str, **query) -> str:
    """An absolute link into Seatdesk, for emails."""
    return f"{settings.SITE_URL.rstrip('/')}{reverse(url_name)}?{urlencode(query)}"


def days_phrase(days: int) -> str:
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")


def sending_day(reminder: Reminder) -> date:
    """The day the email goes out, for its wording (a sweep run ahead with --date words its
    reminders for that day)."""
    return max(reminder.due_on, timezone.localdate())


def superseded(reminder: Reminder) -> bool:
    """A later reminder of the same end (a smaller offset) was recorded since."""
    return Reminder.objects.filter(
        subject=reminder.subject, kind=reminder.kind, offset__lt=reminder.offset
    ).exists()


def recipients_of(reminders: list[Reminder], contacts: Q):
    """The account manager of each reminder's company, and its `contacts` who accept
    reminders: (reminder, audience, email) for each."""
    company_ids = {reminder.company_id for reminder in reminders}
    owners = dict(
        Company.objects.filter(pk__in=company_ids)
        .exclude(owner__email="")
        .values_list("pk", "owner__email")
    )
    contact_emails: dict[int, list[str]] = {}
    for company_id, email in (
        Contact.objects.filter(contacts, company_id__in=company_ids, accepts_reminders=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("company_id", "email")
    ):
        contact_emails.setdefault(company_id, []).append(email)
    for reminder in reminders:
        if owners.get(reminder.company_id):
            yield reminder, OWNER, owners[reminder.company_id]
        for email in contact_emails.get(reminder.company_id, []):
            yield reminder, CONTACT, email


def render_email(
    *, template: str, subject: str, context: dict, owner, message: OutboxMessage
) -> EmailMultiAlternatives:
    """The email to one recipient: the account manager's has links into Seatdesk; a
    contact's answers go to the account manager."""
    full_context = {**context, "audience": message.audience, "owner": owner, "title": subject}
    reply_to = [owner.email] if message.audience == CONTACT and owner.email else []
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", full_context),
        to=[message.recipient],
        reply_to=reply_to,
    )
    email.attach_alternative(render_to_string(f"{template}.html", full_context), "text/html")
    return email


def trial_recipients(reminders: list[Reminder]):
    return recipients_of(reminders, Q(is_primary=True) | Q(is_decision_maker=True))


def build_trial_ending(reminder: Reminder, message: OutboxMessage):
    pk, ends_on = parse_subject(reminder.subject)
    day = sending_day(reminder)
    trial = (
        Trial.objects.active()
        .filter(pk=pk, ends_on=ends_on, ends_on__gte=day)
        .select_related("company__owner", "product")
        .first()
    )
    if trial is None or superseded(reminder):  # converted, cancelled, extended or over
        return None
    days_left = days_phrase((trial.ends_on - day).days)
    return render_email(
        template="licensing/emails/trial_ending",
        subject=f"Trial of {trial.product} for {trial.company} ends {days_left}",
        context={
            "trial": trial,
            "days_left": days_left,
            "convert_url": site_url("trial_list", trial=trial.pk, action="convert"),
        },
        owner=trial.company.owner,
        message=message,
    )


def renewal_recipients(reminders: list[Reminder]):
    return recipients_of(reminders, Q(is_billing_contact=True))


def build_renewal_due(reminder: Reminder, message: OutboxMessage):
    pk, ends_on = parse_subject(reminder.subject)
    day = sending_day(reminder)
    license = (
        License.objects.active()
        .filter(pk=pk, ends_on=ends_on, ends_on__gte=day, renewal__isnull=True)
        .select_related("company__owner", "product")
        .first()
    )
    if license is None or superseded(reminder):  # renewed, cancelled, expired or over
        return None
    days_left = days_phrase((license.ends_on - day).days)
    return render_email(
        template="licensing/emails/renewal_due",
        subject=f"{license.product} for {license.company} is up for renewal {days_left}",
        context={
            "license": license,
            "days_left": days_left,
            "renew_url": site_url("license_list", license=license.pk, action="renew"),
        },
        owner=license.company.owner,
        message=message,
    )


def owner_recipients(reminders: list[Reminder]):
    """The account manager of each reminder's company, alone (an internal warning)."""
    owners = dict(
        Company.objects.filter(pk__in={reminder.company_id for reminder in reminders})
        .exclude(owner__email="")
        .values_list("pk", "owner__email")
    )
    for reminder in reminders:
        if owners.get(reminder.company_id):
            yield reminder, OWNER, owners[reminder.company_id]


def build_renewal_at_risk(reminder: Reminder, message: OutboxMessage):
    pk, ends_on = parse_subject(reminder.subject)
    day = sending_day(reminder)
    summary = (
        UsageSummary.objects.filter(
            license__in=License.objects.awaiting_renewal(day),
            license_id=pk,
            license__ends_on=ends_on,
            license__ends_on__gte=day,
        )
        .select_related("license__company__owner", "license__product")
        .first()
    )
    if summary is None:  # renewed, cancelled, expired or over
        return None
    license = summary.license
    return render_email(
        template="licensing/emails/renewal_at_risk",
        subject=(
            f"Renewal at risk: {license.product} for {license.company} is "
            f"{summary.active_users_30d} of {license.seats} seats used"
        ),
        context={
            "license": license,
            "summary": summary,
            "days_left": days_phrase((license.ends_on - day).days),
            "license_url": settings.SITE_URL.rstrip("/")
            + reverse("license_detail", args=[license.pk]),
        },
        owner=license.company.owner,
        message=message,
    )


register_kind(TRIAL_ENDING, recipients=trial_recipients, build=build_trial_ending)
register_kind(RENEWAL_DUE, recipients=renewal_recipients, build=build_renewal_due)
register_kind(RENEWAL_AT_RISK, recipients=owner_recipients, build=build_renewal_at_risk)
