"""The home page: what each role needs first thing in the morning."""

from datetime import datetime, time

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from accounts import outbox
from accounts.roles import ADMIN, AM, FINANCE, SUPPORT, roles_of
from licensing.models import License, Trial
from sales import metrics
from sales.metrics import snapshot
from sales.models import Quote

ROWS = 10
TRIALS_ENDING_DAYS = 7
RENEWALS_DUE_DAYS = 90


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
    # Penetration ranks the whole book: read from its snapshot.
    book = snapshot.book(None if everyone else user.pk)
    return {
        "open_quotes": quotes[:ROWS],
        "ending_trials": trials.order_by("ends_on", "pk")[:ROWS],
        "due_renewals": renewals.order_by("ends_on", "pk")[:ROWS],
        "low_penetration": book["lowest_penetration"],
        "as_of": book["as_of"],
    }


def _usage_lists(user, today, *, everyone: bool) -> list[metrics.UsageList]:
    """Expansion-ready, renewal-at-risk and over-deployed licenses of the manager's book."""
    return metrics.usage_lists(
        metrics.Scope(start=today, end=today, owner_id=None if everyone else user.pk, today=today)
    )


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
        context["usage_lists"] = _usage_lists(request.user, today, everyone=ADMIN in roles)
    if roles & {FINANCE, ADMIN}:
        context["finance"] = _finance_lists(today)
    if ADMIN in roles:
        context["emails"] = outbox.attention_counts()
    return render(request, "home.html", context)


urlpatterns = [path("", home, name="home")]
