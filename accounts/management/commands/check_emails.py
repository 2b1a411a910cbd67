from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts import outbox


class Command(BaseCommand):
    help = (
        "For cron or monitoring: fail (exit 1) when emails are due and unsent for more than "
        "OUTBOX_ALERT_MINUTES; print the counts either way."
    )

    def handle(self, *args, **options):
        overdue = outbox.stuck_messages().count()
        failed = outbox.attention_counts()["failed"]
        summary = f"{overdue} emails overdue, {failed} failed"
        if overdue:
            raise CommandError(
                f"{summary}: due and unsent for more than {settings.OUTBOX_ALERT_MINUTES} "
                "minutes (are the worker and beat running, is the mail server up?)"
            )
        self.stdout.write(summary)
