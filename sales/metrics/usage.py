"""Seat usage on the dashboard, the home page and the metrics API: the utilisation of the
whole book, adoption after go-live, and the three usage lists (over-deployed,
expansion-ready, renewal at risk). Every read goes through licensing's UsageSummary queryset
(`fresh`: licenses in force with a recent report), so pages, the API and emails agree."""

from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum, Window

from accounts.models import Company
from licensing.models import UsageSummary
from sales.metrics.records import Scope, _book, median_of, rate

LIST_ROWS = 10


@dataclass(frozen=True)
class UsageList:
    slug: str
    title: str
    rows: list[UsageSummary]
    total: int


def utilisation(scope: Scope) -> dict:
    """book_utilisation = active users (30 days) ÷ licensed seats over the licenses in force
    with a fresh report. One query."""
    fresh = _book(UsageSummary.objects.fresh(scope.today), scope, "license__company__")
    totals = fresh.aggregate(
        active=Sum("active_users_30d"), seats=Sum("license__seats"), licenses=Count("pk")
    )
    return {
        "book_utilisation": rate(totals["active"] or 0, totals["seats"] or 0),
        "utilisation_active_users": totals["active"] or 0,
        "utilisation_licensed_seats": totals["seats"] or 0,
        "utilisation_licenses": totals["licenses"],
    }


def adoption(scope: Scope) -> dict:
    """Adoption = median days from go-live to 50 % and 80 % of the seats active, over the
    licenses gone live in the period that reached it. One query."""
    gone_live = _book(
        UsageSummary.objects.filter(license__live_on__range=(scope.start, scope.end)),
        scope,
        "license__company__",
    )
    reached = list(
        gone_live.filter(
            Q(adoption_50_on__isnull=False) | Q(adoption_80_on__isnull=False)
        ).values_list("license__live_on", "adoption_50_on", "adoption_80_on")
    )
    figures = {}
    for index, share in enumerate((50, 80), start=1):
        days = Counter((row[index] - row[0]).days for row in reached if row[index] is not None)
        figures[f"median_days_to_{share}_percent_active"] = median_of(dict(days))
        figures[f"licenses_{share}_percent_active"] = sum(days.values())
    return figures


@dataclass(frozen=True)
class UsageRanking:
    """A usage list's first license ids, in order, and its length: what a book's snapshot
    keeps of it, so that pages load only the rows they show."""

    slug: str
    license_ids: list[int]
    total: int


def _lists(scope: Scope) -> list[tuple[str, str, QuerySet]]:
    """Each usage list's slug, title and ranked summaries over the scope's book."""
    summaries = _book(UsageSummary.objects.all(), scope, "license__company__")
    return [
        (
            "expansion-ready",
            f"Expansion-ready: {settings.USAGE_EXPANSION_THRESHOLD}% used or more for "
            f"{settings.USAGE_EXPANSION_DAYS} days",
            summaries.expansion_ready(scope.today),
        ),
        (
            "renewal-at-risk",
            f"Renewal at risk: under {settings.USAGE_RISK_THRESHOLD}% used, renewal due in "
            f"{settings.USAGE_RENEWAL_WINDOW_DAYS} days",
            summaries.renewal_at_risk(scope.today),
        ),
        (
            "over-deployed",
            "Over-deployed: more seats assigned than licensed",
            summaries.over_deployed(scope.today),
        ),
    ]


def usage_rankings(scope: Scope, rows: int = LIST_ROWS) -> dict:
    """The three usage lists' first `rows` license ids and lengths (each in one pass over
    the book's summaries, the length a window count beside the rows): three queries."""
    rankings = []
    for slug, _, queryset in _lists(scope):
        first = list(queryset.annotate(total=Window(Count("pk"))).values_list("pk", "total")[:rows])
        rankings.append(UsageRanking(slug, [pk for pk, _ in first], first[0][1] if first else 0))
    return {"usage_rankings": rankings}


def load_lists(rankings: list[UsageRanking], today) -> list[UsageList]:
    """The lists of `rankings`, their rows (with license, company and product) read by
    primary key: one query (none when all are empty). A license deleted since the ranking
    is left out."""
    titles = {slug: title for slug, title, _ in _lists(Scope(start=today, end=today, today=today))}
    loaded = UsageSummary.objects.with_parties().in_bulk(
        [pk for ranking in rankings for pk in ranking.license_ids]
    )
    return [
        UsageList(
            ranking.slug,
            titles[ranking.slug],
            [loaded[pk] for pk in ranking.license_ids if pk in loaded],
            ranking.total,
        )
        for ranking in rankings
    ]


def usage_lists(figures: dict) -> list[UsageList]:
    """The three usage lists of a book's figures (`usage_rankings` and `today`, as its
    snapshot holds them), with the whitespace of each row's company (`summary.whitespace`):
    two queries (none when all are empty)."""
    today = figures["today"]
    lists = load_lists(figures["usage_rankings"], today)
    company_ids = {summary.license.company_id for each in lists for summary in each.rows}
    whitespace = dict(
        Company.objects.filter(pk__in=company_ids).with_seats(today).values_list("pk", "whitespace")
    )
    for each in lists:
        for summary in each.rows:
            summary.whitespace = whitespace[summary.license.company_id]
    return lists
