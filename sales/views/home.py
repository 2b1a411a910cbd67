"""The home page: what each role needs first thing in the morning."""

from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from accounts import outbox
from accounts.lists import end_of_this_week
from accounts.models import FollowUp, without_open_follow_up
from accounts.roles import ADMIN, AM, FINANCE, SUPPORT, roles_of
from licensing.models import License, Trial
from sales import metrics
from sales.metrics import snapshot
from sales.models import Quote

ROWS = 10
TRIALS_ENDING_DAYS = 7
RENEWALS_DUE_DAYS = 90
QUOTES_EXPIRING_DAYS = 14


def _manager_lists(user, today, *, everyone: bool) -> dict:
    quotes = Quote.objects.awaiting_answer().with_parties().order_by("valid_until", "pk")
    trials = Trial.objects.ending_within(TRIALS_ENDING_DAYS, today).select_related(
        "company", "product"
    )
    renewals = License.objects.renewals_due_within(RENEWALS_DUE_DAYS, today).select_related(
        "company", "product"
    )
    if not everyone:
        quotes = quotes.for_owner(user)
        trials = trials.filter(company__owner=user)
        renewals = renewals.filter(company__owner=user)
    # Penetration and the usage lists rank the whole book: read from its snapshot.
    book = snapshot.book(None if everyone else user.pk)
    expiring = quotes.filter(
        valid_until__gte=today, valid_until__lte=today + timedelta(days=QUOTES_EXPIRING_DAYS)
    )
    return {
        # What ends soon with no open follow-up on it or on its company.
        "next_step_trials": without_open_follow_up(trials).order_by("ends_on", "pk")[:ROWS],
        "next_step_renewals": without_open_follow_up(renewals).order_by("ends_on", "pk")[:ROWS],
        "next_step_quotes": without_open_follow_up(expiring).order_by("valid_until", "pk")[:ROWS],
        "open_quotes": quotes[:ROWS],
        "ending_trials": trials.order_by("ends_on", "pk")[:ROWS],
        "due_renewals": renewals.order_by("ends_on", "pk")[:ROWS],
        "low_penetration": book["lowest_penetration"],
        "usage_lists": metrics.usage_lists(book),
        "as_of": book["as_of"],
    }


def _my_follow_ups(user, today) -> dict:
    """The user's open follow-ups due by the end of this week (end_of_this_week: Sunday, as
    the saved filter "Trials ending this week" counts it), in three groups of at most ROWS
    each, with each group's full count: four queries. On a Sunday the week is today alone."""
    mine = FollowUp.objects.assigned_to(user).open()
    groups = {
        "overdue": Q(due_on__lt=today),
        "today": Q(due_on=today),
        "this_week": Q(due_on__gt=today, due_on__lte=end_of_this_week(today)),
    }
    counts = mine.aggregate(
        **{name: Count("pk", filter=condition) for name, condition in groups.items()}
    )
    return {
        name: {
            "count": counts[name],
            "rows": mine.filter(condition)
            .select_related("company", "contact")
            .order_by("due_on", "pk")[:ROWS],
        }
        for name, condition in groups.items()
    }


def _finance_lists(today) -> dict:
    month_start = today.replace(day=1)
    # A bound on the column itself (not on its date) lets the database use its index.
    since = timezone.make_aware(datetime.combine(month_start, time.min))

    def this_month(field: str):
        # Each quote number once, at its latest sent revision.
        quotes = Quote.objects.latest_sent().filter(**{f"{field}__gte": since}).with_parties()
        sums = quotes.values("currency").annotate(count=Count("pk"), total=Sum("total"))
        return quotes.order_by(f"-{field}", "-pk")[:ROWS], sums.order_by("currency")

    sent, sent_sums = this_month("sent_at")
    accepted, accepted_sums = this_month("accepted_at")
    return {
        "month_start": month_start,
        "sent": sent,
        "sent_sums": sent_sums,
        "accepted": accepted,
        "accepted_sums": accepted_sums,
    }


@login_required
def home(request):
    roles = roles_of(request.user)
    today = timezone.localdate()
    context = {"today": today, "is_support": bool(roles & {SUPPORT, ADMIN})}
    if roles & {AM, ADMIN}:
        context["manager"] = _manager_lists(request.user, today, everyone=ADMIN in roles)
        context["follow_ups"] = _my_follow_ups(request.user, today)
    if roles & {FINANCE, ADMIN}:
        context["finance"] = _finance_lists(today)
    if ADMIN in roles:
        context["emails"] = outbox.attention_counts()
    return render(request, "home.html", context)


urlpatterns = [path("", home, name="home")]
