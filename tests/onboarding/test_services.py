from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Activity
from accounts.roles import Role
from licensing import services as licensing
from licensing.signals import license_started
from onboarding.models import Category, Onboarding, Task
from onboarding.services import (
    add_task,
    apply_template,
    assign_task,
    block_task,
    change_task_status,
    mark_live,
    put_on_hold,
    resume_onboarding,
    start_onboarding,
    update_task,
)
from tests.accounts.factories import UserFactory
from tests.licensing.factories import LicenseFactory, TrialFactory
from tests.onboarding.factories import ChecklistTemplateFactory, OnboardingFactory, TaskFactory

START = date(2026, 11, 2)


@pytest.fixture
def default_template(db):
    return ChecklistTemplateFactory(name="Default", go_live_after_days=45)


def new_license(company, product, **kwargs):
    return licensing.create_license(
        company=company,
        product=product,
        seats=kwargs.pop("seats", 20),
        unit_price=Decimal("40.00"),
        starts_on=START,
        ends_on=date(2027, 11, 1),
        actor=company.owner,
    )


def test_a_new_license_starts_an_onboarding_from_the_default_template(
    company, product, support, default_template, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        license = new_license(company, product)

    onboarding = Onboarding.objects.get(license=license)
    assert onboarding.company == company
    assert onboarding.owner == support
    assert onboarding.status == Onboarding.Status.NOT_STARTED
    assert onboarding.starts_on == START
    assert onboarding.target_live_on == START + timedelta(days=45)
    tasks = list(onboarding.tasks.all())
    assert [task.category for task in tasks] == list(Category)
    assert tasks[0].due_on == START + timedelta(days=3)
    assert all(task.assignee == support for task in tasks)
    assert company.activities.filter(kind=Activity.Kind.ONBOARDING).count() == 1


def test_a_product_template_wins_over_the_default_one(company, product, default_template):
    ChecklistTemplateFactory(
        name="Special", product=product, tasks=[("Connect the ERP", Category.IMPLEMENTATION, 5)]
    )
    license = LicenseFactory(company=company, product=product)

    onboarding = start_onboarding(license=license)

    assert [task.title for task in onboarding.tasks.all()] == ["Connect the ERP"]


def test_account_manager_tasks_go_to_the_company_owner(company, product, support):
    template = ChecklistTemplateFactory(tasks=[("Kick-off call", Category.CONFIGURATION, 1)])
    template.tasks.update(owner_role=Role.ACCOUNT_MANAGER)

    onboarding = start_onboarding(license=LicenseFactory(company=company, product=product))

    assert onboarding.tasks.get().assignee == company.owner


def test_an_onboarding_started_before_any_template_gets_one_later(company, product, support):
    onboarding = start_onboarding(license=LicenseFactory(company=company, product=product))
    assert not onboarding.tasks.exists()
    with pytest.raises(ValidationError, match="no checklist template yet"):
        apply_template(onboarding=onboarding)
    template = ChecklistTemplateFactory(go_live_after_days=20)

    apply_template(onboarding=onboarding, actor=support)

    onboarding.refresh_from_db()
    assert onboarding.template == template
    assert onboarding.target_live_on == onboarding.starts_on + timedelta(days=20)
    assert onboarding.tasks.count() == 4
    with pytest.raises(ValidationError, match="already has its checklist"):
        apply_template(onboarding=onboarding)


def test_receiving_license_started_twice_makes_one_onboarding(company, product, default_template):
    license = LicenseFactory(company=company, product=product)

    license_started.send(sender=type(license), license=license, kind="new")
    license_started.send(sender=type(license), license=license, kind="new")

    assert Onboarding.objects.filter(license=license).count() == 1
    assert Task.objects.filter(onboarding__license=license).count() == 4


def test_a_trial_conversion_starts_an_onboarding(
    company, product, default_template, django_capture_on_commit_callbacks
):
    trial = TrialFactory(company=company, product=product, starts_on=START, ends_on=START)
    with django_capture_on_commit_callbacks(execute=True):
        license = licensing.convert_trial(
            trial=trial,
            seats=10,
            unit_price=Decimal("40.00"),
            starts_on=START,
            ends_on=date(2027, 11, 1),
            actor=company.owner,
        )

    assert Onboarding.objects.filter(license=license).exists()


def test_a_renewal_does_not_start_a_new_onboarding(
    company, product, default_template, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        license = new_license(company, product)
    with django_capture_on_commit_callbacks(execute=True):
        licensing.renew_license(
            license=license,
            seats=20,
            unit_price=Decimal("40.00"),
            starts_on=date(2027, 11, 2),
            ends_on=date(2028, 11, 1),
            actor=company.owner,
        )

    assert Onboarding.objects.count() == 1


def test_adding_seats_adds_a_user_education_task_to_the_live_onboarding(
    company, product, support, default_template, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        license = new_license(company, product)
    onboarding = license.onboarding
    for task in onboarding.tasks.all():
        change_task_status(task=task, status=Task.Status.DONE, actor=support)
    mark_live(onboarding=onboarding, actor=support, live_on=date(2026, 11, 20))

    with django_capture_on_commit_callbacks(execute=True):
        licensing.add_seats(
            license=license,
            seats=10,
            effective_on=date(2026, 12, 1),
            prorated_amount=Decimal("366.67"),
            actor=company.owner,
        )

    task = onboarding.tasks.get(title="User education for the 10 new seats")
    assert task.category == Category.USER_EDUCATION
    assert task.status == Task.Status.TODO
    assert task.due_on == date(2026, 12, 15)
    assert task.assignee == support
    onboarding.refresh_from_db()
    assert onboarding.status == Onboarding.Status.LIVE


def test_receiving_seats_added_twice_adds_one_task(
    company, product, default_template, django_capture_on_commit_callbacks
):
    from licensing.signals import seats_added

    with django_capture_on_commit_callbacks(execute=True):
        license = new_license(company, product)
        change = licensing.add_seats(
            license=license,
            seats=5,
            effective_on=date(2026, 12, 1),
            prorated_amount=Decimal("100.00"),
            actor=company.owner,
        )
    seats_added.send(sender=type(license), license=license, seat_change=change)

    assert license.onboarding.tasks.filter(seat_change=change).count() == 1


def test_marking_live_is_refused_until_configuration_and_implementation_are_done(support):
    onboarding = OnboardingFactory()
    setup = TaskFactory(onboarding=onboarding, title="SSO", category=Category.CONFIGURATION)
    rollout = TaskFactory(onboarding=onboarding, title="Rollout", category=Category.IMPLEMENTATION)
    TaskFactory(onboarding=onboarding, title="Guide", category=Category.DOCUMENTATION)
    change_task_status(task=setup, status=Task.Status.DONE, actor=support)

    with pytest.raises(
        ValidationError, match=r"cannot go live yet: 1 .* task is not done \(Rollout\)"
    ):
        mark_live(onboarding=onboarding, actor=support)
    onboarding.refresh_from_db()
    assert onboarding.status == Onboarding.Status.IN_PROGRESS
    assert onboarding.live_on is None

    change_task_status(task=rollout, status=Task.Status.DONE, actor=support)
    mark_live(onboarding=onboarding, actor=support, live_on=date(2026, 3, 1))

    onboarding.refresh_from_db()
    assert onboarding.status == Onboarding.Status.LIVE
    assert onboarding.live_on == date(2026, 3, 1)
    onboarding.license.refresh_from_db()
    assert onboarding.license.live_on == date(2026, 3, 1)


def test_a_client_cannot_go_live_twice(support):
    onboarding = OnboardingFactory()
    mark_live(onboarding=onboarding, actor=support, live_on=date(2026, 3, 1))

    with pytest.raises(ValidationError, match="already live"):
        mark_live(onboarding=onboarding, actor=support)


def test_going_live_before_the_license_starts_is_refused(support):
    onboarding = OnboardingFactory()

    with pytest.raises(ValidationError, match="before the license starts"):
        mark_live(onboarding=onboarding, actor=support, live_on=date(2025, 12, 31))


def test_ticking_a_task_records_who_and_when_and_starts_the_onboarding(support):
    task = TaskFactory()

    change_task_status(task=task, status=Task.Status.DONE, actor=support)

    task.refresh_from_db()
    assert task.done_by == support
    assert task.done_at is not None
    assert task.onboarding.status == Onboarding.Status.IN_PROGRESS

    change_task_status(task=task, status=Task.Status.TODO, actor=support)
    task.refresh_from_db()
    assert (task.done_by, task.done_at) == (None, None)


def test_blocking_a_task_needs_a_reason(support):
    task = TaskFactory()

    with pytest.raises(ValidationError, match="Say why"):
        block_task(task=task, reason="  ", actor=support)
    block_task(task=task, reason="Waiting for the client's IT", actor=support)

    task.refresh_from_db()
    assert task.status == Task.Status.BLOCKED
    assert task.blocked_reason == "Waiting for the client's IT"
    change_task_status(task=task, status=Task.Status.DOING, actor=support)
    task.refresh_from_db()
    assert task.blocked_reason == ""


def test_a_task_cannot_go_to_someone_who_cannot_see_onboardings(support, finance):
    task = TaskFactory()

    with pytest.raises(ValidationError, match="cannot see onboardings"):
        assign_task(task=task, assignee=finance, actor=support)
    assign_task(task=task, assignee=support, actor=support)

    task.refresh_from_db()
    assert task.assignee == support


def test_adding_and_editing_a_task(support):
    onboarding = OnboardingFactory()
    task = add_task(
        onboarding=onboarding,
        actor=support,
        title="Extra training",
        category=Category.USER_EDUCATION,
    )
    assert task.position == 1

    update_task(
        task=task,
        actor=support,
        title="Extra training for admins",
        category=Category.DOCUMENTATION,
        due_on=date(2026, 12, 24),
        notes="Two sessions",
    )

    task.refresh_from_db()
    assert (task.title, task.category, task.due_on, task.notes) == (
        "Extra training for admins",
        Category.DOCUMENTATION,
        date(2026, 12, 24),
        "Two sessions",
    )
    with pytest.raises(ValidationError):
        update_task(task=task, actor=support, title="", category=Category.DOCUMENTATION)


def test_an_onboarding_goes_on_hold_and_resumes(support):
    onboarding = OnboardingFactory()

    put_on_hold(onboarding=onboarding, actor=support)
    assert Onboarding.objects.get().status == Onboarding.Status.ON_HOLD
    resume_onboarding(onboarding=onboarding, actor=support)
    assert Onboarding.objects.get().status == Onboarding.Status.IN_PROGRESS
    with pytest.raises(ValidationError):
        resume_onboarding(onboarding=onboarding, actor=support)


def test_progress_is_counted_per_category_in_the_database(support):
    onboarding = OnboardingFactory()
    for category, status in [
        (Category.CONFIGURATION, Task.Status.DONE),
        (Category.CONFIGURATION, Task.Status.TODO),
        (Category.DOCUMENTATION, Task.Status.DONE),
    ]:
        task = TaskFactory(onboarding=onboarding, category=category, due_on=date(2026, 1, 5))
        change_task_status(task=task, status=status, actor=support)

    annotated = Onboarding.objects.with_progress(today=date(2026, 2, 1)).get()

    progress = {row["category"]: (row["done"], row["total"]) for row in annotated.progress()}
    assert progress == {
        Category.CONFIGURATION: (1, 2),
        Category.IMPLEMENTATION: (0, 0),
        Category.DOCUMENTATION: (1, 1),
        Category.USER_EDUCATION: (0, 0),
    }
    assert (annotated.tasks_done, annotated.tasks_total, annotated.overdue_count) == (2, 3, 1)


def test_overdue_tasks_are_grouped_by_assignee_for_the_digest(support):
    other = UserFactory(role=Role.SUPPORT)
    today = date(2026, 6, 1)
    late = TaskFactory(assignee=support, due_on=date(2026, 5, 1))
    later = TaskFactory(assignee=support, due_on=date(2026, 5, 20))
    TaskFactory(assignee=other, due_on=date(2026, 6, 1))  # due today: not overdue
    done = TaskFactory(assignee=other, due_on=date(2026, 5, 1))
    change_task_status(task=done, status=Task.Status.DONE, actor=other)
    TaskFactory(assignee=None, due_on=date(2026, 5, 1))
    live = OnboardingFactory(status=Onboarding.Status.LIVE, live_on=date(2026, 4, 1))
    TaskFactory(onboarding=live, assignee=other, due_on=date(2026, 5, 1))

    assert Task.objects.overdue(today).by_assignee() == {support: [late, later]}


def test_onboardings_past_their_target_are_grouped_by_owner_for_the_digest(support):
    today = date(2026, 6, 1)
    late = OnboardingFactory(owner=support, target_live_on=date(2026, 5, 1))
    OnboardingFactory(owner=support, target_live_on=date(2026, 6, 1))
    OnboardingFactory(
        owner=support,
        target_live_on=date(2026, 5, 1),
        status=Onboarding.Status.LIVE,
        live_on=date(2026, 5, 2),
    )
    OnboardingFactory(owner=None, target_live_on=date(2026, 5, 1))

    assert Onboarding.objects.past_target(today).by_owner() == {support: [late]}
