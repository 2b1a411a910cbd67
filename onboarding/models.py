from collections import defaultdict
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q
from simple_history.models import HistoricalRecords

from accounts import limits
from accounts.models import Company
from accounts.roles import PERMISSIONS, Role, members_of
from licensing.models import License, Product, SeatChange


class Category(models.TextChoices):
    CONFIGURATION = "configuration", "Configuration"
    IMPLEMENTATION = "implementation", "Implementation"
    DOCUMENTATION = "documentation", "Documentation"
    USER_EDUCATION = "user_education", "User education"


# A client may go live only once these are done; documentation and education can follow.
GO_LIVE_CATEGORIES = (Category.CONFIGURATION, Category.IMPLEMENTATION)


def onboarding_staff():
    """Everyone who may see onboardings: who tasks can go to and whom the board filters by."""
    return members_of(*PERMISSIONS["view_onboarding"]).filter(is_active=True)


class ChecklistTemplateQuerySet(models.QuerySet):
    def for_product(self, product: Product):
        """The product's own template, else the default one (None when neither exists)."""
        return (
            self.filter(Q(product=product) | Q(is_default=True))
            .prefetch_related("tasks")
            .order_by("is_default")
            .first()
        )


class ChecklistTemplate(models.Model):
    """The tasks every onboarding of a product starts with (or of any product, by default)."""

    name = models.CharField(max_length=120, unique=True)
    product = models.OneToOneField(
        Product,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checklist_template",
        help_text="Leave empty for the default template.",
    )
    is_default = models.BooleanField(
        default=False, help_text="Used for products that have no template of their own."
    )
    go_live_after_days = models.PositiveIntegerField(
        default=30,
        validators=limits.SCHEDULE_DAYS,
        help_text="Target go-live, in days after the license starts.",
    )

    objects = ChecklistTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="one_default_checklist_template",
                violation_error_message="There is already a default template.",
            ),
            models.CheckConstraint(
                condition=Q(is_default=True, product__isnull=True)
                | Q(is_default=False, product__isnull=False),
                name="checklist_template_default_xor_product",
                violation_error_message="A template is either the default or for one product.",
            ),
        ]

    def __str__(self):
        return self.name


class TemplateTask(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=limits.TEXT_NAME, validators=[limits.SINGLE_LINE])
    description = models.TextField(
        blank=True,
        max_length=limits.TEXT_NOTES,
        validators=[limits.text_of_at_most(limits.TEXT_NOTES)],
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    due_after_days = models.PositiveIntegerField(
        default=7,
        validators=limits.SCHEDULE_DAYS,
        help_text="Due this many days after the onboarding starts.",
    )
    owner_role = models.CharField(
        max_length=40,
        choices=[(Role.SUPPORT.value, "Support"), (Role.ACCOUNT_MANAGER.value, "Account manager")],
        default=Role.SUPPORT.value,
        help_text="Support tasks go to the onboarding owner; account manager tasks to the "
        "company's owner.",
    )

    class Meta:
        ordering = ["template", "position", "id"]

    def __str__(self):
        return self.title


class OnboardingQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=Onboarding.Status.LIVE)

    def for_board(self):
        return self.select_related("company", "owner", "license__product")

    def with_progress(self, today: date):
        """Annotate `<category>_done` / `<category>_total` per category, `tasks_done` /
        `tasks_total` and `overdue_count`, in one grouped query."""
        done = Q(tasks__status=Task.Status.DONE)
        counts = {}
        for category in Category:
            in_category = Q(tasks__category=category)
            counts[f"{category}_done"] = Count("tasks", filter=in_category & done)
            counts[f"{category}_total"] = Count("tasks", filter=in_category)
        return self.annotate(
            **counts,
            tasks_done=Count("tasks", filter=done),
            tasks_total=Count("tasks"),
            overdue_count=Count("tasks", filter=~done & Q(tasks__due_on__lt=today)),
        )

    def owned_by(self, user):
        return self.filter(owner=user)

    def with_tasks_assigned_to(self, user):
        return self.filter(Exists(Task.objects.filter(onboarding=OuterRef("pk"), assignee=user)))

    def involving(self, user):
        """Onboardings the user owns or has a task in ("only mine"). The user's tasks are
        read once as a set: an EXISTS per onboarding looks costly enough to PostgreSQL's
        planner to be JIT-compiled, which took longer than the query (0.2 s at 100,000
        companies under load, for 2 ms of work)."""
        tasks = Task.objects.filter(assignee=user).values("onboarding")
        return self.filter(Q(owner=user) | Q(pk__in=tasks))

    def with_overdue_tasks(self, today: date):
        return self.filter(Exists(Task.objects.overdue(today).filter(onboarding=OuterRef("pk"))))

    def past_target(self, today: date):
        """Open onboardings whose target go-live date has passed."""
        return self.open().filter(target_live_on__lt=today)

    def by_owner(self) -> dict:
        """{owner: [onboardings]} in one query, for the owners' digest; unowned ones left out."""
        grouped = defaultdict(list)
        for onboarding in self.filter(owner__isnull=False).select_related("owner", "company"):
            grouped[onboarding.owner].append(onboarding)
        return dict(grouped)

    def for_license(self, license: License):
        """The onboarding of a license's product for its company (a renewal keeps the first
        term's onboarding)."""
        return self.filter(company_id=license.company_id, license__product_id=license.product_id)


class Onboarding(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        LIVE = "live", "Live"
        ON_HOLD = "on_hold", "On hold"

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="onboardings")
    # One onboarding per license: receiving license_started twice cannot make a second one.
    license = models.OneToOneField(License, on_delete=models.PROTECT, related_name="onboarding")
    template = models.ForeignKey(
        ChecklistTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_onboardings",
        help_text="The support person running it",
    )
    starts_on = models.DateField()
    target_live_on = models.DateField("target go-live date")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    live_on = models.DateField("go-live date", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OnboardingQuerySet.as_manager()

    class Meta:
        ordering = ["target_live_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="live", live_on__isnull=False)
                | (~Q(status="live") & Q(live_on__isnull=True)),
                name="onboarding_live_has_go_live_date",
                violation_error_message="A live onboarding has a go-live date, and only then.",
            ),
            models.CheckConstraint(
                condition=Q(target_live_on__gte=models.F("starts_on")),
                name="onboarding_target_after_start",
                violation_error_message="The target go-live date cannot be before the start.",
            ),
        ]
        indexes = [models.Index(fields=["status", "target_live_on"])]

    def __str__(self):
        return f"Onboarding of {self.company} ({self.license.product})"

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE

    def days_to_target(self, today: date) -> int:
        return (self.target_live_on - today).days

    def progress(self) -> list[dict]:
        """Done / total per category, read from with_progress() annotations."""
        return [
            {
                "category": category,
                "label": category.label,
                "done": getattr(self, f"{category}_done"),
                "total": getattr(self, f"{category}_total"),
            }
            for category in Category
        ]


class TaskQuerySet(models.QuerySet):
    def not_done(self):
        return self.exclude(status=Task.Status.DONE)

    def overdue(self, today: date):
        """Tasks past their due date, not done, in onboardings that are not live."""
        return (
            self.not_done()
            .filter(due_on__lt=today)
            .exclude(onboarding__status=Onboarding.Status.LIVE)
        )

    def for_checklist(self, today: date):
        """Tasks in checklist order with their people and an `is_late` flag (past due, not done)."""
        late = ExpressionWrapper(
            Q(due_on__lt=today) & ~Q(status=Task.Status.DONE), output_field=BooleanField()
        )
        return self.select_related("assignee", "done_by").annotate(is_late=late)

    def by_category(self) -> list[dict]:
        """[{category, label, tasks}] for every category, in checklist order."""
        grouped = defaultdict(list)
        for task in self:
            grouped[task.category].append(task)
        return [
            {"category": category, "label": category.label, "tasks": grouped[category]}
            for category in Category
        ]

    def by_assignee(self) -> dict:
        """{assignee: [tasks]} in one query, for the assignees' digest; unassigned left out."""
        grouped = defaultdict(list)
        tasks = (
            self.filter(assignee__isnull=False)
            .select_related("assignee", "onboarding__company")
            .order_by("assignee_id", "due_on", "id")
        )
        for task in tasks:
            grouped[task.assignee].append(task)
        return dict(grouped)


class Task(models.Model):
    class Status(models.TextChoices):
        TODO = "todo", "To do"
        DOING = "doing", "Doing"
        DONE = "done", "Done"
        BLOCKED = "blocked", "Blocked"

    onboarding = models.ForeignKey(Onboarding, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=limits.TEXT_NAME, validators=[limits.SINGLE_LINE])
    description = models.TextField(
        blank=True,
        max_length=limits.TEXT_NOTES,
        validators=[limits.text_of_at_most(limits.TEXT_NOTES)],
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="onboarding_tasks",
    )
    due_on = models.DateField("due date", null=True, blank=True, validators=limits.DATE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TODO)
    blocked_reason = models.CharField(
        "reason it is blocked", max_length=limits.TEXT_REASON, blank=True
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(
        blank=True,
        max_length=limits.TEXT_NOTES,
        validators=[limits.text_of_at_most(limits.TEXT_NOTES)],
    )
    # What added the task by itself (LOW_ADOPTION), so that it is added once per onboarding.
    trigger = models.CharField(max_length=20, blank=True, editable=False)
    # Set on the task an expansion adds, so receiving seats_added twice adds one task.
    seat_change = models.OneToOneField(
        SeatChange,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="onboarding_task",
    )

    objects = TaskQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="blocked") | ~Q(blocked_reason=""),
                name="onboarding_task_blocked_has_reason",
                violation_error_message="Say why the task is blocked.",
            ),
            models.CheckConstraint(
                condition=Q(status="done", done_at__isnull=False)
                | (~Q(status="done") & Q(done_at__isnull=True)),
                name="onboarding_task_done_has_time",
                violation_error_message="A done task records when it was done, and only then.",
            ),
            models.UniqueConstraint(
                fields=["onboarding", "trigger"],
                condition=~Q(trigger=""),
                name="onboarding_task_once_per_trigger",
                violation_error_message="This onboarding already has this task.",
            ),
        ]
        indexes = [
            models.Index(fields=["onboarding", "category"]),
            models.Index(fields=["assignee", "status", "due_on"]),
            # The overdue count on the administrator's and support's home: only open tasks.
            models.Index(fields=["due_on"], condition=~Q(status="done"), name="task_open_due_on"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE
