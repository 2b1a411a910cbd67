"""Demo onboarding data: a default checklist template (and one product's own), and an
onboarding in every state for the existing licenses. Safe to run again: nothing is duplicated,
and onboardings someone has worked on are left as they are.

seed_demo calls it after making its licenses; their onboardings, started by the
license_started signal before any template existed, get their checklist here. Within
`seed_demo --scale`, `--bulk` onboards the recent licenses in bulk (onboarding/demo.py), and
`--bulk-low-adoption`, once the usage is written, adds the low-adoption tasks."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from licensing.models import License
from onboarding import services
from onboarding.demo import (
    ensure_templates,
    seed_scale_low_adoption_tasks,
    seed_scale_onboardings,
)
from onboarding.models import GO_LIVE_CATEGORIES, ChecklistTemplate, Onboarding, Task

# The newest licenses' onboardings are still open, one in each of these states; older ones
# are mostly live (every fourth is still in progress: a client that stalled).
OPEN_STATES = ["not_started", "in_progress", "blocked", "on_hold", "overdue"]


def demo_state(newest_first_index: int) -> str:
    if newest_first_index < len(OPEN_STATES):
        return OPEN_STATES[newest_first_index]
    return "in_progress" if newest_first_index % 4 == 0 else "live"


class Command(BaseCommand):
    help = "Seed onboarding templates and onboardings in every state (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="Onboard the licenses of the last days in bulk (within seed_demo --scale).",
        )
        parser.add_argument(
            "--bulk-low-adoption",
            action="store_true",
            help="Add the low-adoption tasks in bulk (within seed_demo --scale, after the usage).",
        )

    @transaction.atomic
    def handle(self, *args, bulk=False, bulk_low_adoption=False, **options):
        if bulk_low_adoption:
            made = seed_scale_low_adoption_tasks()
            self.stdout.write(f"Onboarding: {made} low-adoption tasks, in bulk.")
            return
        if bulk:
            made = seed_scale_onboardings()
            self.stdout.write(f"Onboarding: {made} onboardings of recent licenses, in bulk.")
            return
        default = ensure_templates()
        licenses = License.objects.filter(renews__isnull=True).select_related("product")
        onboardings = [
            services.start_onboarding(license=license)
            for license in licenses.order_by("-starts_on", "-pk")
        ]
        prepared = 0
        for index, onboarding in enumerate(onboardings):
            if not self._untouched(onboarding):
                continue
            if onboarding.template_id is None:
                services.apply_template(onboarding=onboarding)
            self._put_in_state(onboarding, demo_state(index))
            prepared += 1
        self.stdout.write(
            f"Onboarding: templates “{default}” and {ChecklistTemplate.objects.count() - 1} "
            f"product template(s); {len(onboardings)} onboardings, {prepared} prepared now."
        )

    @staticmethod
    def _untouched(onboarding: Onboarding) -> bool:
        return (
            onboarding.status == Onboarding.Status.NOT_STARTED
            and not onboarding.tasks.exclude(status=Task.Status.TODO).exists()
        )

    def _put_in_state(self, onboarding: Onboarding, state: str) -> None:
        actor = onboarding.owner
        tasks = list(onboarding.tasks.all())
        go_live_tasks = [task for task in tasks if task.category in GO_LIVE_CATEGORIES]

        def tick(selected):
            for task in selected:
                services.change_task_status(task=task, status=Task.Status.DONE, actor=actor)

        if state == "in_progress":
            tick(tasks[:3])
        elif state == "blocked":
            tick(tasks[:2])
            if len(tasks) > 3:
                services.block_task(
                    task=tasks[3], reason="Waiting for the client's IT to open access", actor=actor
                )
        elif state == "on_hold":
            tick(tasks[:1])
            services.put_on_hold(onboarding=onboarding, actor=actor)
        elif state == "live" and not onboarding.license.is_scheduled():
            tick(go_live_tasks)
            # Three to five weeks from start, so the dashboard's time to go-live varies.
            weeks = 3 + onboarding.pk % 3
            live_on = min(onboarding.starts_on + timedelta(weeks=weeks), timezone.localdate())
            services.mark_live(
                onboarding=onboarding, actor=actor, live_on=max(live_on, onboarding.starts_on)
            )
        elif state == "overdue":
            # Little done and the rest past due, so the board has something in red.
            tick(tasks[:1])
            past_due = timezone.localdate() - timedelta(days=5)
            for task in tasks[1:]:
                services.update_task(
                    task=task,
                    actor=actor,
                    title=task.title,
                    category=task.category,
                    description=task.description,
                    due_on=past_due,
                    assignee=task.assignee,
                    notes=task.notes,
                )
