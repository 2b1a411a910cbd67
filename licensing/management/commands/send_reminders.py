import argparse
from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts import limits, outbox
from licensing import reminders
from licensing.models import Reminder


def day(text: str) -> date:
    """A YYYY-MM-DD date within the bounds every date of Seatdesk keeps (accounts.limits)."""
    try:
        value = date.fromisoformat(text)
        limits.check(value, limits.DATE, "date")
    except (ValueError, ValidationError) as error:
        message = " ".join(getattr(error, "messages", [])) or f"“{text}” is not a YYYY-MM-DD date."
        raise argparse.ArgumentTypeError(message) from None
    return value


class Command(BaseCommand):
    help = "Run the daily reminder sweep now: record what is due and send it (or just list it)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            dest="day",
            type=day,
            help="Sweep as of YYYY-MM-DD (emails are still worded from the day they go out)",
        )
        parser.add_argument("--dry-run", action="store_true", help="List, record nothing")

    def handle(self, *args, day=None, dry_run=False, **options):
        today = day or timezone.localdate()
        if dry_run:
            for row in reminders.preview_due_reminders(today=today):
                self.stdout.write(
                    f"would send {row['reminder_kind']} {row['reminder_subject']} "
                    f"({row['reminder_offset']} days)"
                )
            waiting = outbox.due_message_ids()
            self.stdout.write(f"{len(waiting)} emails due in the outbox would be handed to workers")
            return
        ids = reminders.sweep_reminders(today=today)
        # Without a broker the sends ran already; with one the workers have them.
        for reminder in Reminder.objects.filter(pk__in=ids).order_by("kind", "subject"):
            self.stdout.write(
                f"{reminder.get_status_display().lower()} {reminder.kind} {reminder.subject} "
                f"({reminder.offset} days){': ' + reminder.last_error if reminder.last_error else ''}"
            )
        self.stdout.write(f"{len(ids)} reminders for {today}")
