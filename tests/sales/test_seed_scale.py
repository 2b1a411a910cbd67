"""`seed_demo --scale`: the onboardings and reminders written in bulk keep the services' rules
(the quotes, licenses and numbers: test_seed_demo.py). Runs on SQLite and on PostgreSQL,
where the rows go through COPY."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from accounts.models import Company, Contact, OutboxMessage
from licensing import reminders
from licensing.models import License, Reminder, SeatChange, Trial
from onboarding.demo import RECENT_DAYS
from onboarding.models import GO_LIVE_CATEGORIES, ChecklistTemplate, Onboarding, Task
from onboarding.services import (
    LOW_ADOPTION,
    LOW_ADOPTION_DAYS,
    add_low_adoption_tasks,
    low_adoption_onboardings,
)
from sales.models import Quote
from tests.sales.demo_support import assert_every_row_is_within_the_bounds, seed
from tests.sales.factories import misstaged

pytestmark = pytest.mark.django_db
COMPANIES = 600


@pytest.fixture(scope="module", autouse=True)
def scaled(django_db_setup, django_db_blocker):
    """The scaled demo seeded once for the module, rolled back at the end; each test runs in
    a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed("--scale", str(COMPANIES))
        transaction.set_rollback(True)


def running_today():
    """(subject end, subject, kind, offsets) of every trial and license reminders go to."""
    today = timezone.localdate()
    for trial in Trial.objects.active(today):
        yield trial, reminders.TRIAL_ENDING, settings.REMINDER_TRIAL_OFFSETS
    for license in License.objects.awaiting_renewal(today):
        yield license, reminders.RENEWAL_DUE, settings.REMINDER_RENEWAL_OFFSETS


def subject_of(row) -> str:
    return f"{row._meta.model_name}:{row.pk}:{row.ends_on}"


def test_every_recent_first_term_license_has_one_onboarding_from_its_template():
    today = timezone.localdate()
    recent = License.objects.filter(
        renews__isnull=True, starts_on__gt=today - timedelta(days=RECENT_DAYS)
    )
    assert recent.count() >= 30
    assert not recent.filter(onboarding=None).exists()
    assert not Onboarding.objects.exclude(license__in=recent).exists()
    for onboarding in Onboarding.objects.select_related("license__product", "company"):
        license = onboarding.license
        template = ChecklistTemplate.objects.for_product(license.product)
        assert onboarding.company_id == license.company_id
        assert onboarding.template == template and onboarding.owner.username == "support"
        assert onboarding.starts_on == license.starts_on
        assert onboarding.target_live_on == license.starts_on + timedelta(
            days=template.go_live_after_days
        )
        # The template's tasks, one education task per seat change, and one more when its
        # users have not adopted it (next test).
        expected = template.tasks.count() + license.seat_changes.count()
        expected += onboarding.tasks.filter(trigger=LOW_ADOPTION).count()
        assert onboarding.tasks.count() == expected


def test_onboardings_are_in_the_states_of_a_real_book():
    today = timezone.localdate()
    states = dict(Onboarding.objects.values_list("status").annotate(count=Count("pk")))
    assert states[Onboarding.Status.LIVE] >= 10 and states[Onboarding.Status.IN_PROGRESS] >= 10
    assert Onboarding.Status.ON_HOLD in states
    assert Onboarding.objects.past_target(today).exists()
    assert Onboarding.objects.with_overdue_tasks(today).exists()
    assert Task.objects.filter(status=Task.Status.BLOCKED).exists()
    assert Task.objects.exclude(seat_change=None).exists()


def test_scaled_onboardings_and_tasks_keep_the_services_rules():
    today, now = timezone.localdate(), timezone.now()
    assert_every_row_is_within_the_bounds()
    for onboarding in Onboarding.objects.filter(status=Onboarding.Status.LIVE).select_related(
        "license"
    ):
        assert not onboarding.tasks.not_done().filter(category__in=GO_LIVE_CATEGORIES).exists()
        assert onboarding.license.starts_on <= onboarding.live_on <= today
        assert onboarding.license.live_on == onboarding.live_on
    assert not License.objects.filter(onboarding=None, live_on__isnull=False).exists()
    # Untouched checklists are not started; any change to a task starts its onboarding.
    for onboarding in Onboarding.objects.filter(status=Onboarding.Status.NOT_STARTED):
        assert not onboarding.tasks.exclude(status=Task.Status.TODO).exists()
    for onboarding in Onboarding.objects.filter(status=Onboarding.Status.IN_PROGRESS):
        assert onboarding.tasks.exclude(status=Task.Status.TODO).exists()
    for task in Task.objects.filter(status=Task.Status.DONE):
        assert task.done_at <= now and task.done_by_id == task.assignee_id
    for task in Task.objects.exclude(seat_change=None).select_related("seat_change"):
        assert task.onboarding.license_id == task.seat_change.license_id
    assert SeatChange.objects.filter(onboarding_task__isnull=False).count() == (
        Task.objects.exclude(seat_change=None).count()
    )


def test_onboardings_live_for_a_month_without_adoption_have_their_education_task_once():
    today = timezone.localdate()
    tasks = Task.objects.filter(trigger=LOW_ADOPTION).select_related("onboarding")
    assert tasks.exists()
    for task in tasks:
        assert task.onboarding.live_on <= today - timedelta(days=LOW_ADOPTION_DAYS)
        assert task.assignee_id == task.onboarding.owner_id
        assert task.position == max(task.onboarding.tasks.values_list("position", flat=True))
    # What the usage feed's signal would add, the seed added already.
    assert not low_adoption_onboardings(today=today).exists()
    assert (
        add_low_adoption_tasks(license_ids=list(License.objects.values_list("pk", flat=True))) == []
    )


def test_only_onboardings_whose_users_never_reached_half_the_seats_have_an_education_task():
    """The seed counts adoption from the go-live dates: a product in good use since its
    go-live gets no "user education" task, one used by fewer than half its seats exactly one
    (and one with no usage reported, a cancelled license, none)."""
    today = timezone.localdate()
    adopted = low = 0
    month_live = Onboarding.objects.filter(live_on__lte=today - timedelta(days=LOW_ADOPTION_DAYS))
    for onboarding in month_live.select_related("license"):
        since_live = onboarding.license.usage_records.filter(day__gte=onboarding.live_on)
        most_active = since_live.aggregate(most=Max("active_users_30d"))["most"]
        low_use = most_active is not None and most_active * 2 < onboarding.license.seats
        adopted += most_active is not None and not low_use
        low += low_use
        tasks = onboarding.tasks.filter(trigger=LOW_ADOPTION).count()
        assert tasks == (1 if low_use else 0), (
            f"{onboarding.license}: at most {most_active} active users since go-live, "
            f"{tasks} low-adoption tasks"
        )
    assert adopted >= 10 and low >= 1


def test_the_reminders_of_every_past_offset_were_sent_on_their_day():
    today = timezone.localdate()
    expected = set()
    for row, kind, offsets in running_today():
        for offset in offsets:
            day = row.ends_on - timedelta(days=offset)
            if day < today and (kind == reminders.TRIAL_ENDING or row.starts_on <= day):
                expected.add((subject_of(row), kind, offset, day))
    recorded = set(Reminder.objects.values_list("subject", "kind", "offset", "due_on"))
    assert len(expected) >= 50
    assert recorded == expected
    sent = Reminder.objects.filter(status=Reminder.Status.SENT)
    assert sent.count() >= 0.9 * len(expected)
    assert not Reminder.objects.exclude(status__in=[Reminder.Status.SENT, Reminder.Status.SKIPPED])
    for reminder in sent:
        assert reminder.sent_at.date() == reminder.due_on
        messages = OutboxMessage.objects.for_source(reminders.OUTBOX_KIND, reminder.pk)
        assert messages and {message.status for message in messages} == {"sent"}
    assert not OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT).exists()


def test_a_sweep_right_after_seeding_records_only_what_falls_due_today():
    today = timezone.localdate()
    due_today = {
        (subject_of(row), kind, offset)
        for row, kind, offsets in running_today()
        for offset in offsets
        if row.ends_on - timedelta(days=offset) == today
    }
    assert due_today

    ids = reminders.record_due_reminders(today=today)

    recorded = Reminder.objects.filter(pk__in=ids)
    # Renewals at risk follow the usage, not a date: the seed leaves them to the first sweep,
    # as on a vendor's first day with the usage feed.
    at_risk = recorded.filter(kind=reminders.RENEWAL_AT_RISK)
    new = set(recorded.exclude(pk__in=at_risk).values_list("subject", "kind", "offset"))
    assert new == due_today
    assert reminders.record_due_reminders(today=today) == []


def test_every_scaled_company_is_found_by_its_name_and_its_contacts():
    written = dict(Company.objects.values_list("pk", "search_document"))
    Company.objects.all().refresh_search_documents()
    assert dict(Company.objects.values_list("pk", "search_document")) == written
    contact = Contact.objects.select_related("company").order_by("pk").last()
    assert contact.company in Company.objects.search(f"{contact.last_name} {contact.email}")


def test_every_open_quote_has_its_pipeline_stage_stored():
    assert Quote.objects.in_pipeline().count() >= 50
    assert not misstaged().exists()
