"""`dashboard`: every figure of book.py and flows.py, gathered for the dashboard page and the
metrics API in a fixed number of queries."""

from contextlib import contextmanager

from django.db import connection, transaction

from sales.metrics import book, flows, usage
from sales.metrics.records import Scope


@contextmanager
def _without_jit():
    """PostgreSQL's JIT compiles the costlier of these short aggregates, which takes longer
    (about 0.2 s at 10,000 companies) than running them: off for one transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def dashboard(scope: Scope) -> dict:
    """Every figure of the dashboard page and the metrics API, in a fixed number of queries
    (counted by the tests), plus the transaction that turns JIT off on PostgreSQL."""
    with _without_jit():
        return {**book_figures(scope), **_period_figures(scope)}


def period_figures(scope: Scope) -> dict:
    """The figures of the chosen period alone (flows and adoption): what another period than
    the default one adds to its book's snapshot."""
    with _without_jit():
        return _period_figures(scope)


def book_figures(scope: Scope) -> dict:
    """The figures of the book today (`Scope.today` and the owner; the period changes none)."""
    figures = {"today": scope.today}
    for part in (
        book.book_today,
        book.renewal_rate,
        book.net_seat_retention,
        book.penetration,
        book.lowest_penetration,
        usage.utilisation,
        usage.usage_rankings,
    ):
        figures.update(part(scope))
    due = book.renewals(scope)
    figures["renewals"] = due
    for window in due:
        figures[f"renewals_due_{window.days}_days"] = window.licenses
        figures[f"renewals_due_{window.days}_days_value"] = window.annual_value
    figures["renewals_by_month"] = book.renewals_by_month(scope)
    return figures


def _period_figures(scope: Scope) -> dict:
    figures = {"start": scope.start, "end": scope.end}
    for part in (
        flows.trial_conversion,
        flows.seat_growth,
        flows.deal_sizes,
        flows.quote_win_rate,
        flows.lost_reasons,
        flows.time_to_live,
        usage.adoption,
    ):
        figures.update(part(scope))
    return figures
