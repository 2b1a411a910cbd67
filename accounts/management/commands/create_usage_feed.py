"""manage.py create_usage_feed usage-feed --name "Product telemetry" [--days 365]"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import create_usage_feed_token


class Command(BaseCommand):
    help = (
        "Make a machine account in the Usage feed role (if new) and a token that may only post "
        "seat usage (POST /api/v1/usage/); print its key, shown this once."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The machine account, e.g. usage-feed.")
        parser.add_argument("--name", required=True, help="The system that will post usage.")
        parser.add_argument("--days", type=int, help="Validity (default API_TOKEN_DAYS).")

    def handle(self, *args, username, name, days, **options):
        try:
            token, key = create_usage_feed_token(username=username, name=name, days=days)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        expiry = token.expiry.isoformat(timespec="minutes")
        self.stderr.write(f"Usage-feed token “{token.name}” for {username}, valid until {expiry}:")
        self.stdout.write(key)
