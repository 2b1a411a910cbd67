"""Onboarding formatting, and the onboarding blocks other apps' pages include: the data is
fetched here so that no view outside this app imports onboarding."""

from datetime import date

from django import template
from django.utils import timezone

from onboarding.models import Onboarding, Task

register = template.Library()

STATUS_BADGES = {
    Task.Status.TODO: "text-bg-light border",
    Task.Status.DOING: "text-bg-primary",
    Task.Status.DONE: "text-bg-success",
    Task.Status.BLOCKED: "text-bg-danger",
    Onboarding.Status.NOT_STARTED: "text-bg-light border",
    Onboarding.Status.IN_PROGRESS: "text-bg-primary",
    Onboarding.Status.LIVE: "text-bg-success",
    Onboarding.Status.ON_HOLD: "text-bg-warning",
}


@register.filter
def status_badge(status: str) -> str:
    """The Bootstrap badge classes for a task or onboarding status."""
    return STATUS_BADGES.get(status, "text-bg-secondary")


@register.filter
def days_until(day: date, today: date) -> str:
    """ "in 12 days", "today" or "3 days late"."""
    days = (day - today).days
    if days == 0:
        return "today"
    if days > 0:
        return f"in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} late"


@register.simple_tag
def percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


@register.simple_tag
def company_onboardings(company) -> list[Onboarding]:
    """A company's onboardings, newest first, with progress per category."""
    return list(
        Onboarding.objects.filter(company=company)
        .for_board()
        .with_progress(timezone.localdate())
        .order_by("-starts_on", "-pk")
    )


@register.simple_tag
def support_summary(user) -> dict:
    """What support staff see first: the open onboardings they run or work in, and their
    overdue tasks."""
    today = timezone.localdate()
    open_onboardings = Onboarding.objects.open()
    overdue = Task.objects.overdue(today)
    return {
        "today": today,
        "open_count": open_onboardings.count(),
        "overdue_count": overdue.count(),
        # The first five picked before their tasks are counted: counting every open
        # onboarding's tasks to keep five costs seconds at 100,000 companies.
        "mine": list(
            Onboarding.objects.filter(
                pk__in=open_onboardings.involving(user)
                .order_by("target_live_on", "pk")
                .values("pk")[:5]
            )
            .for_board()
            .with_progress(today)
            .order_by("target_live_on", "pk")
        ),
        "my_overdue_tasks": list(
            overdue.filter(assignee=user)
            .select_related("onboarding__company")
            .order_by("due_on", "pk")[:10]
        ),
    }
