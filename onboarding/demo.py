"""Demo onboarding data: the checklist templates (`seed_onboarding`), and for `seed_demo
--scale` the onboardings of the recent licenses, written in bulk.

At scale the onboardings cannot go through the services one by one, so they are built in
memory and inserted with accounts.bulk. They keep the services' rules all the same: one
onboarding per first-term license, started on the license's start by a Support person, with
its product's template (services.checklist_tasks) and target go-live; the seat changes'
education tasks (services.expansion_task); a task done records when and by whom, a blocked
one why; live only once every configuration and implementation task is done, never before
the license starts nor after today, and the license records its go-live date; the
low-adoption tasks the usage feed's signal would add (services.low_adoption_onboardings and
low_adoption_task), once the usage is in: seed_demo writes it after the go-live dates, from
which the adoption days are counted. No audit history rows, as for the rest of the scaled
data."""

import random
from datetime import date, datetime, time, timedelta

from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from accounts.bulk import foreign_keys_checked_once, indexes_built_once, insert_rows
from accounts.roles import Role, members_of
from licensing.models import License, Product, SeatChange
from onboarding.models import GO_LIVE_CATEGORIES, Category, ChecklistTemplate, Onboarding, Task
from onboarding.services import (
    checklist_tasks,
    expansion_task,
    low_adoption_onboardings,
    low_adoption_task,
)

CONFIG, IMPL, DOCS, EDU = (
    Category.CONFIGURATION,
    Category.IMPLEMENTATION,
    Category.DOCUMENTATION,
    Category.USER_EDUCATION,
)
AM = Role.ACCOUNT_MANAGER.value
# (title, category, due after days, owner role)
DEFAULT_TASKS = [
    ("Kick-off call with the client's project lead", CONFIG, 2, AM),
    ("Create the client's workspace", CONFIG, 3, ""),
    ("Configure single sign-on", CONFIG, 7, ""),
    ("Import the user list", IMPL, 10, ""),
    ("Connect the client's directory (SCIM)", IMPL, 14, ""),
    ("Pilot with the first team", IMPL, 21, ""),
    ("Write the client's admin guide", DOCS, 14, ""),
    ("Share the end-user quick start", DOCS, 21, ""),
    ("Train the client's administrators", EDU, 21, ""),
    ("Run end-user training sessions", EDU, 28, ""),
]
PRODUCT_EXTRA_TASK = ("Migrate data from the previous tool", IMPL, 18, "")

# At scale, licenses that started within this many days have their onboarding: enough for
# the board to hold every state a real book has, without older, long-settled checklists.
RECENT_DAYS = 90
BLOCKED_REASON = "Waiting for the client's IT to open access"


def ensure_templates() -> ChecklistTemplate:
    """The default template, and the first product's own (when there are several products);
    returns the default one."""
    default = _template("Standard onboarding", None, DEFAULT_TASKS)
    products = list(Product.objects.order_by("code"))
    if len(products) > 1:
        _template(
            f"{products[0].name} onboarding", products[0], [*DEFAULT_TASKS, PRODUCT_EXTRA_TASK]
        )
    return default


def _template(name, product, tasks) -> ChecklistTemplate:
    template, made = ChecklistTemplate.objects.get_or_create(
        name=name, defaults={"product": product, "is_default": product is None}
    )
    if made:
        for position, (title, category, days, role) in enumerate(tasks):
            template.tasks.create(
                position=position,
                title=title,
                category=category,
                due_after_days=days,
                owner_role=role or Role.SUPPORT.value,
            )
    return template


def seed_scale_onboardings(*, today: date | None = None) -> int:
    """The onboardings of the first-term licenses started in the last RECENT_DAYS days that
    have none, with their tasks, in bulk; returns how many were made."""
    today = today or timezone.localdate()
    ensure_templates()
    recent = License.objects.filter(
        renews__isnull=True,
        onboarding__isnull=True,
        starts_on__gt=today - timedelta(days=RECENT_DAYS),
        starts_on__lte=today,
    )
    licenses = list(recent.select_related("company").order_by("starts_on", "pk"))
    if not licenses:
        return 0
    owners = list(members_of(Role.SUPPORT).filter(is_active=True))
    builder = OnboardingBuilder(today=today, owners=owners)
    for license in licenses:
        builder.onboarding(license)
    seat_changes = SeatChange.objects.filter(license__in=recent.values("pk"))
    for seat_change in seat_changes.order_by("effective_on", "pk"):
        builder.expansion(seat_change)
    builder.save()
    return len(licenses)


def seed_scale_low_adoption_tasks(*, today: date | None = None) -> int:
    """As the usage feed's signal has add_low_adoption_tasks do, in bulk: a "user education"
    task, last on its checklist, for each onboarding whose users have not adopted the product
    (run once the usage is in); returns how many were added."""
    today = today or timezone.localdate()
    tasks = []
    for onboarding in low_adoption_onboardings(today=today).annotate(
        last_position=Max("tasks__position")
    ):
        task = low_adoption_task(onboarding, today)
        task.position = (onboarding.last_position or 0) + 1
        tasks.append(task)
    insert_rows(Task, tasks)
    return len(tasks)


class OnboardingBuilder:
    """Onboardings and tasks in memory, in the states a book has: the newest not started,
    most in progress (some with late tasks, one in ten with a blocked task), the older ones mostly
    live, some late past their target go-live or on hold."""

    def __init__(self, *, today: date, owners: list):
        self.today = today
        self.now = timezone.now()
        self.owners = owners
        self.rng = random.Random(2026)
        self.templates = {
            product.pk: ChecklistTemplate.objects.for_product(product)
            for product in Product.objects.all()
        }
        self.onboardings: list[Onboarding] = []
        self.tasks: list[Task] = []
        self.by_license: dict[int, tuple[Onboarding, list[Task]]] = {}

    def onboarding(self, license: License) -> None:
        template = self.templates[license.product_id]
        # Round robin: what "the least busy Support person" comes to over many starts.
        owner = self.owners[len(self.onboardings) % len(self.owners)] if self.owners else None
        onboarding = Onboarding(
            company=license.company,
            license=license,
            template=template,
            owner=owner,
            starts_on=license.starts_on,
            target_live_on=license.starts_on + timedelta(days=template.go_live_after_days),
        )
        tasks = checklist_tasks(onboarding, template)
        self.progress(onboarding, tasks)
        self.onboardings.append(onboarding)
        self.tasks += tasks
        self.by_license[license.pk] = (onboarding, tasks)

    def progress(self, onboarding: Onboarding, tasks: list[Task]) -> None:
        rng, today = self.rng, self.today
        age = (today - onboarding.starts_on).days
        if age < 2:
            return  # not started
        roll = rng.random()
        if onboarding.target_live_on < today and roll < 0.7:
            # Live three to six weeks in, once the go-live tasks were done.
            live_on = min(onboarding.starts_on + timedelta(days=rng.randint(21, 42)), today)
            for task in tasks:
                if task.category in GO_LIVE_CATEGORIES or task.due_on <= live_on:
                    self.done(task, min(task.due_on, live_on))
            onboarding.status, onboarding.live_on = Onboarding.Status.LIVE, live_on
            return
        for task in tasks:
            # Most tasks due by now are done; the others are late.
            if task.due_on < today and rng.random() < 0.8:
                self.done(task, task.due_on)
        pending = [task for task in tasks if not task.is_done]
        if pending and rng.random() < 0.1:
            pending[0].status, pending[0].blocked_reason = Task.Status.BLOCKED, BLOCKED_REASON
        # Work has begun once a task changed (services._begin).
        if any(task.status != Task.Status.TODO for task in tasks):
            onboarding.status = Onboarding.Status.IN_PROGRESS
        if onboarding.target_live_on < today and roll < 0.8:
            onboarding.status = Onboarding.Status.ON_HOLD

    def done(self, task: Task, day: date) -> None:
        task.status, task.done_by_id = Task.Status.DONE, task.assignee_id
        task.done_at = min(timezone.make_aware(datetime.combine(day, time(16))), self.now)

    def expansion(self, seat_change: SeatChange) -> None:
        onboarding, tasks = self.by_license[seat_change.license_id]
        task = expansion_task(onboarding, seat_change)
        task.position = max((each.position for each in tasks), default=0) + 1
        if onboarding.is_live and task.due_on < self.today:
            self.done(task, task.due_on)
        tasks.append(task)
        self.tasks.append(task)

    def save(self) -> None:
        with foreign_keys_checked_once(Onboarding, Task), indexes_built_once(Onboarding, Task):
            insert_rows(Onboarding, self.onboardings)
            insert_rows(Task, self.tasks)
        # As mark_live does: the license records its go-live date.
        live = Onboarding.objects.filter(license=OuterRef("pk"))
        License.objects.filter(onboarding__status=Onboarding.Status.LIVE, live_on=None).update(
            live_on=Subquery(live.values("live_on")[:1])
        )
