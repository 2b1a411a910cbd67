import time

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.bulk import collector_paused
from licensing.demo_usage import seed_usage_in_bulk
from sales.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_demo, seed_scale
from sales.demo.base import PhaseTimes

# Beyond benchmark sizes a bulk seed would only exhaust the machine's memory.
LARGEST_SCALE = 100_000


class Command(BaseCommand):
    help = (
        "Create demo data and one demo login per role (password 'demo'). Safe to run twice. "
        "--scale N creates N companies in bulk instead, for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=int, help="Create this many companies quickly (bulk inserts)."
        )

    def handle(self, *args, scale=None, **options):
        started = time.perf_counter()
        if scale is not None:
            if not 1 <= scale <= LARGEST_SCALE:
                raise CommandError(f"--scale takes 1 to {LARGEST_SCALE:,} companies.")
            times, today = PhaseTimes(), timezone.localdate()
            with collector_paused(), transaction.atomic():
                created = seed_scale(companies=scale, today=today, times=times)
                if created:
                    self._after_the_book(today, times)
                with times.phase("foreign keys checked"), connection.cursor() as cursor:
                    # PostgreSQL checks the new rows' (deferred) foreign keys at the commit:
                    # here, to time it.
                    if connection.vendor == "postgresql":
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            self.stdout.write("\n".join(times.lines))
        else:
            created = seed_demo()
            # The onboarding app adds its checklists once the licenses exist (if installed).
            if "seed_onboarding" in get_commands():
                call_command("seed_onboarding", stdout=self.stdout, stderr=self.stderr)
        elapsed = time.perf_counter() - started
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo data created in {elapsed:.1f}s."))
        else:
            self.stdout.write("Demo data already present: nothing changed.")
        self.stdout.write(f"Demo logins (password '{DEMO_PASSWORD}'):")
        for username, _, _, role, _ in DEMO_LOGINS:
            self.stdout.write(f"  {username:<8} {role}")

    def _after_the_book(self, today, times: PhaseTimes) -> None:
        """The recent licenses' onboardings (by the onboarding app, if installed), then the
        usage, whose adoption days count from their go-live dates, then the low-adoption tasks
        that usage calls for."""
        onboarding = "seed_onboarding" in get_commands()
        if onboarding:
            with times.phase("onboardings"):
                call_command("seed_onboarding", "--bulk", stdout=self.stdout)
        with times.phase("90 days of usage"):
            seed_usage_in_bulk(today=today)
        if onboarding:
            with times.phase("low-adoption tasks"):
                call_command("seed_onboarding", "--bulk-low-adoption", stdout=self.stdout)
