"""manage.py create_api_token <username> --name "BI export" [--scope write] [--days 90]"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import ApiToken
from accounts.services import create_api_token


class Command(BaseCommand):
    help = (
        "Make an API token for a user and print its key (shown this once; only its hash is kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="The script or tool that will use it.")
        parser.add_argument(
            "--scope", choices=ApiToken.Scope.values, default=ApiToken.Scope.READ_ONLY
        )
        parser.add_argument("--days", type=int, help="Validity (default API_TOKEN_DAYS).")

    def handle(self, *args, username, name, scope, days, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"No user named {username!r}.") from error
        try:
            token, key = create_api_token(user=user, name=name, scope=scope, days=days)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        expiry = token.expiry.isoformat(timespec="minutes")
        self.stderr.write(
            f"{token.get_scope_display()} token “{token.name}” for {username}, valid until {expiry}:"
        )
        self.stdout.write(key)
