"""Business actions on onboardings and their tasks: one transaction each, refused with a
readable ValidationError before anything is written."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts import limits
from accounts.models import Activity
from accounts.roles import Role, can, members_of
from accounts.services import record_activity
from licensing.models import License, SeatChange, UsageSummary
from onboarding.models import GO_LIVE_CATEGORIES, Category, ChecklistTemplate, Onboarding, Task

EXPANSION_TASK_DUE_DAYS = 14
# An onboarding whose users have not reached 50 % of the seats this long after go-live gets
# a user-education task (once: its trigger).
LOW_ADOPTION_DAYS = 30
LOW_ADOPTION = "low_adoption"
GO_LIVE_DAYS_WITHOUT_TEMPLATE = 30


def _least_busy_support_user():
    """The active support person with the fewest open onboardings (None if nobody is in
    Support), so new onboardings spread across the team."""
    return (
        members_of(Role.SUPPORT)
        .filter(is_active=True)
        .annotate(
            open_onboardings=Count(
                "owned_onboardings", filter=~Q(owned_onboardings__status=Onboarding.Status.LIVE)
            )
        )
        .order_by("open_onboardings", "pk")
        .first()
    )


def _record(onboarding: Onboarding, message: str, actor) -> None:
    record_activity(
        company=onboarding.company, kind=Activity.Kind.ONBOARDING, message=message, actor=actor
    )


@transaction.atomic
def start_onboarding(*, license: License, actor=None, owner=None) -> Onboarding:
    """Start the onboarding of a license from its product's template (or the default one);
    returns the existing one if the license already has it. Records it on the timeline."""
    existing = Onboarding.objects.filter(license=license).first()
    if existing:
        return existing
    template = ChecklistTemplate.objects.for_product(license.product)
    owner = owner or _least_busy_support_user()
    starts_on = license.starts_on
    go_live_days = template.go_live_after_days if template else GO_LIVE_DAYS_WITHOUT_TEMPLATE
    try:
        # A savepoint: a concurrent start of the same license loses on the unique license.
        with transaction.atomic():
            onboarding = Onboarding.objects.create(
                company=license.company,
                license=license,
                template=template,
                owner=owner,
                starts_on=starts_on,
                target_live_on=starts_on + timedelta(days=go_live_days),
            )
    except IntegrityError:
        return Onboarding.objects.get(license=license)
    if template:
        _copy_template_tasks(onboarding, template)
    _record(onboarding, f"Onboarding of {license.product} started", actor)
    return onboarding


def checklist_tasks(onboarding: Onboarding, template: ChecklistTemplate) -> list[Task]:
    """The template's tasks (unsaved), due from the start; account manager tasks go to the
    company's owner, the others to the onboarding's owner."""
    return [
        Task(
            onboarding=onboarding,
            position=template_task.position,
            title=template_task.title,
            description=template_task.description,
            category=template_task.category,
            due_on=onboarding.starts_on + timedelta(days=template_task.due_after_days),
            assignee_id=onboarding.company.owner_id
            if template_task.owner_role == Role.ACCOUNT_MANAGER
            else onboarding.owner_id,
        )
        for template_task in template.tasks.all()
    ]


def _copy_template_tasks(onboarding: Onboarding, template: ChecklistTemplate) -> None:
    bulk_create_with_history(checklist_tasks(onboarding, template), Task)


@transaction.atomic
def apply_template(*, onboarding: Onboarding, actor=None) -> Onboarding:
    """Give an onboarding that started while no template existed the tasks and target go-live
    of its product's template (or the default one)."""
    onboarding = (
        Onboarding.objects.select_for_update()
        .select_related("license__product", "company__owner")
        .get(pk=onboarding.pk)
    )
    if onboarding.template_id:
        raise ValidationError("This onboarding already has its checklist.")
    template = ChecklistTemplate.objects.for_product(onboarding.license.product)
    if template is None:
        raise ValidationError("There is no checklist template yet: an administrator makes one.")
    onboarding.template = template
    onboarding.target_live_on = onboarding.starts_on + timedelta(days=template.go_live_after_days)
    onboarding.save(update_fields=["template", "target_live_on"])
    _copy_template_tasks(onboarding, template)
    _record(onboarding, f"Checklist “{template}” applied", actor)
    return onboarding


def _locked_task(task: Task) -> Task:
    return Task.objects.select_for_update().select_related("onboarding").get(pk=task.pk)


def _begin(onboarding: Onboarding) -> None:
    """The first change to a task means work has begun."""
    if onboarding.status == Onboarding.Status.NOT_STARTED:
        onboarding.status = Onboarding.Status.IN_PROGRESS
        onboarding.save(update_fields=["status"])


@transaction.atomic
def change_task_status(*, task: Task, status: str, actor, reason: str = "") -> Task:
    """Move a task to to do / doing / done / blocked (blocked needs a reason); done records
    who and when. Starts the onboarding if it had not started."""
    if status not in Task.Status.values:
        raise ValidationError({"status": f"Unknown status “{status}”."})
    reason = (reason or "").strip()
    if status == Task.Status.BLOCKED and not reason:
        raise ValidationError({"reason": "Say why the task is blocked."})
    limits.check(reason, [limits.text_of_at_most(limits.TEXT_REASON)], "reason")
    task = _locked_task(task)
    task.status = status
    task.blocked_reason = reason if status == Task.Status.BLOCKED else ""
    if status == Task.Status.DONE:
        task.done_at, task.done_by = timezone.now(), actor
    else:
        task.done_at, task.done_by = None, None
    task.save(update_fields=["status", "blocked_reason", "done_at", "done_by"])
    _begin(task.onboarding)
    return task


@transaction.atomic
def block_task(*, task: Task, reason: str, actor) -> Task:
    """Block a task, saying why."""
    return change_task_status(task=task, status=Task.Status.BLOCKED, reason=reason, actor=actor)


def _check_assignee(assignee) -> None:
    if assignee is not None and not can(assignee, "view_onboarding"):
        raise ValidationError(
            {"assignee": f"{assignee} cannot see onboardings; pick someone from Support."}
        )


@transaction.atomic
def assign_task(*, task: Task, assignee, actor) -> Task:
    """Give a task to someone who can see onboardings (or to nobody)."""
    _check_assignee(assignee)
    task = _locked_task(task)
    task.assignee = assignee
    task.save(update_fields=["assignee"])
    return task


@transaction.atomic
def update_task(
    *,
    task: Task,
    actor,
    title: str,
    category: str,
    description: str = "",
    due_on: date | None = None,
    assignee=None,
    notes: str = "",
) -> Task:
    """Edit a task's wording, category, due date, assignee and notes."""
    _check_assignee(assignee)
    task = _locked_task(task)
    task.title, task.category, task.description = title, category, description
    task.due_on, task.assignee, task.notes = due_on, assignee, notes
    task.full_clean(exclude=["onboarding", "done_by", "seat_change"])
    task.save()
    return task


@transaction.atomic
def add_task(
    *,
    onboarding: Onboarding,
    actor,
    title: str,
    category: str,
    description: str = "",
    due_on: date | None = None,
    assignee=None,
    notes: str = "",
    seat_change: SeatChange | None = None,
    trigger: str = "",
) -> Task:
    """Add a task at the end of an onboarding's checklist."""
    _check_assignee(assignee)
    last = onboarding.tasks.order_by("-position").values_list("position", flat=True).first()
    task = Task(
        onboarding=onboarding,
        position=(last or 0) + 1,
        title=title,
        category=category,
        description=description,
        due_on=due_on,
        assignee=assignee,
        notes=notes,
        seat_change=seat_change,
        trigger=trigger,
    )
    task.full_clean(exclude=["done_by"])
    task.save()
    return task


def check_can_go_live(onboarding: Onboarding, today: date | None = None) -> None:
    """Refuse going live before the license starts (a scheduled license, see
    License.is_scheduled) or while a configuration or implementation task is not done."""
    if onboarding.is_live:
        raise ValidationError(f"{onboarding.company} is already live since {onboarding.live_on}.")
    license = onboarding.license
    if license.is_scheduled(today):
        raise ValidationError(
            f"The license of {license.product} starts on {license.starts_on:%-d %b %Y}: "
            "it can go live from that day."
        )
    pending = list(
        onboarding.tasks.not_done()
        .filter(category__in=GO_LIVE_CATEGORIES)
        .values_list("title", flat=True)
    )
    if pending:
        raise ValidationError(
            f"{onboarding.company} cannot go live yet: {len(pending)} configuration or "
            f"implementation task{'s are' if len(pending) > 1 else ' is'} not done "
            f"({'; '.join(pending)})."
        )


@transaction.atomic
def mark_live(*, onboarding: Onboarding, actor, live_on: date | None = None) -> Onboarding:
    """Mark a client live once every configuration and implementation task is done; records
    the go-live date on the onboarding and on the license (time to go-live)."""
    onboarding = (
        Onboarding.objects.select_for_update().select_related("license").get(pk=onboarding.pk)
    )
    today = timezone.localdate()
    check_can_go_live(onboarding, today)
    live_on = live_on or today
    if live_on > today:
        raise ValidationError({"live_on": "The go-live date cannot be in the future."})
    if live_on < onboarding.license.starts_on:
        raise ValidationError(
            {
                "live_on": f"The go-live date cannot be before the license starts ({onboarding.license.starts_on})."
            }
        )
    onboarding.status, onboarding.live_on = Onboarding.Status.LIVE, live_on
    onboarding.save(update_fields=["status", "live_on"])
    License.objects.filter(pk=onboarding.license_id).update(live_on=live_on)
    _record(onboarding, f"{onboarding.license.product} went live on {live_on}", actor)
    return onboarding


@transaction.atomic
def put_on_hold(*, onboarding: Onboarding, actor) -> Onboarding:
    """Pause an onboarding that is not live."""
    onboarding = Onboarding.objects.select_for_update().get(pk=onboarding.pk)
    if onboarding.status in (Onboarding.Status.LIVE, Onboarding.Status.ON_HOLD):
        raise ValidationError(f"This onboarding is {onboarding.get_status_display().lower()}.")
    onboarding.status = Onboarding.Status.ON_HOLD
    onboarding.save(update_fields=["status"])
    _record(onboarding, "Onboarding put on hold", actor)
    return onboarding


@transaction.atomic
def resume_onboarding(*, onboarding: Onboarding, actor) -> Onboarding:
    """Take an onboarding off hold."""
    onboarding = Onboarding.objects.select_for_update().get(pk=onboarding.pk)
    if onboarding.status != Onboarding.Status.ON_HOLD:
        raise ValidationError("Only an onboarding on hold can be resumed.")
    onboarding.status = Onboarding.Status.IN_PROGRESS
    onboarding.save(update_fields=["status"])
    _record(onboarding, "Onboarding resumed", actor)
    return onboarding


@transaction.atomic
def add_expansion_task(*, license: License, seat_change: SeatChange) -> Task | None:
    """Add a "user education for the new seats" task to the license's onboarding, once per
    seat change (None when the license has no onboarding)."""
    existing = Task.objects.filter(seat_change=seat_change).first()
    if existing:
        return existing
    onboarding = Onboarding.objects.for_license(license).order_by("-starts_on", "-pk").first()
    if onboarding is None:
        return None
    task = expansion_task(onboarding, seat_change)
    return add_task(
        onboarding=onboarding,
        actor=None,
        title=task.title,
        category=task.category,
        description=task.description,
        due_on=task.due_on,
        assignee=onboarding.owner,
        seat_change=seat_change,
    )


def expansion_task(onboarding: Onboarding, seat_change: SeatChange) -> Task:
    """The "user education for the new seats" task of a seat change (unsaved, unpositioned),
    the onboarding owner's."""
    return Task(
        onboarding=onboarding,
        title=f"User education for the {seat_change.delta} new seats",
        category=Category.USER_EDUCATION,
        description=f"{seat_change.delta} seats were added from {seat_change.effective_on}; "
        "train the new users.",
        due_on=seat_change.effective_on + timedelta(days=EXPANSION_TASK_DUE_DAYS),
        assignee_id=onboarding.owner_id,
        seat_change=seat_change,
    )


@transaction.atomic
def add_low_adoption_tasks(
    *, license_ids: list[int] | None = None, today: date | None = None
) -> list[Task]:
    """Add a "user education" task, once per onboarding, to the onboardings of `license_ids`
    (None: every license, the daily check) that need one (low_adoption_onboardings)."""
    today = today or timezone.localdate()
    tasks = []
    for onboarding in low_adoption_onboardings(today=today, license_ids=license_ids):
        task = low_adoption_task(onboarding, today)
        tasks.append(
            add_task(
                onboarding=onboarding,
                actor=None,
                title=task.title,
                category=task.category,
                description=task.description,
                due_on=task.due_on,
                assignee=onboarding.owner,
                trigger=task.trigger,
            )
        )
    return tasks


def low_adoption_onboardings(*, today: date, license_ids: list[int] | None = None):
    """Onboardings (of `license_ids`, or all) without a low-adoption task that went live
    LOW_ADOPTION_DAYS or more ago while fewer than half their seats are active (their fresh
    usage has never reached 50 %)."""
    onboardings = Onboarding.objects.filter(
        live_on__lte=today - timedelta(days=LOW_ADOPTION_DAYS),
        license__usage_summary__in=UsageSummary.objects.fresh(today),
        license__usage_summary__adoption_50_on__isnull=True,
    )
    if license_ids is not None:
        # One array parameter: a feed's batch names 10,000 licenses (accounts.lookups).
        onboardings = onboardings.filter(license_id__any=license_ids)
    return onboardings.exclude(tasks__trigger=LOW_ADOPTION).select_related(
        "license__usage_summary", "license", "owner"
    )


def low_adoption_task(onboarding: Onboarding, today: date) -> Task:
    """The "user education" task of an onboarding whose users have not adopted it (unsaved,
    unpositioned), the onboarding owner's."""
    summary = onboarding.license.usage_summary
    return Task(
        onboarding=onboarding,
        title="User education: fewer than half the seats are in use",
        category=Category.USER_EDUCATION,
        description=(
            f"{(today - onboarding.live_on).days} days after go-live, "
            f"{summary.active_users_30d} of {onboarding.license.seats} seats are active "
            "(30 days): find out why and train the users."
        ),
        due_on=today + timedelta(days=EXPANSION_TASK_DUE_DAYS),
        assignee_id=onboarding.owner_id,
        trigger=LOW_ADOPTION,
    )
