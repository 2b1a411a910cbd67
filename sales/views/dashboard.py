"""The pay-per-user dashboard: figures, charts with their CSV, and the records behind each
figure. Every figure comes from sales/metrics/, the default view's from the book snapshot."""

import csv
from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path

from accounts.roles import require
from config.csv_stream import BOM
from sales import metrics
from sales.forms import DashboardFilterForm
from sales.metrics import snapshot

RECORDS_PER_PAGE = 50
# What each kind of record needs beside itself, so a page of records is one query.
RECORD_RELATIONS = {
    "license": ("company", "product"),
    "trial": ("company", "product"),
    "quote": ("company", "owner"),
    "company": ("owner",),
    "seat_change": ("license__company", "license__product"),
}


def _rate_text(value) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Chart:
    """A chart and its CSV: one table of numbers (header, rows) drawn by Chart.js."""

    slug: str
    title: str
    figures: Callable[[metrics.Scope], dict]
    header: tuple[str, ...]
    rows: Callable[[dict], list[tuple]]
    kind: str  # how static/js/dashboard.js draws it


CHARTS = [
    Chart(
        "seat-growth",
        "Seat growth by month",
        metrics.seat_growth,
        ("Month", "New", "Expansion", "Cancelled", "Not renewed", "Net"),
        lambda f: [
            (m.month.isoformat(), m.new, m.expansion, m.cancelled, m.not_renewed, m.net)
            for m in f["seat_growth_by_month"]
        ],
        "seats",
    ),
    Chart(
        "conversion",
        "Trial conversion by month",
        metrics.trial_conversion,
        ("Month", "Trials ended", "Converted", "Conversion rate"),
        lambda f: [
            (m.month.isoformat(), m.ended, m.converted, _rate_text(m.rate))
            for m in f["conversion_by_month"]
        ],
        "rate",
    ),
    Chart(
        "penetration",
        "Customers by seat penetration",
        metrics.penetration,
        ("Seat penetration", "Customers"),
        lambda f: [(b.label, b.companies) for b in f["penetration_distribution"]],
        "bars",
    ),
    Chart(
        "renewals",
        "Renewals due by month",
        lambda scope: {"renewals_by_month": metrics.renewals_by_month(scope)},
        ("Month", "Licenses due", "Annual value"),
        lambda f: [
            (m.month.isoformat(), m.licenses, str(m.annual_value)) for m in f["renewals_by_month"]
        ],
        "renewals",
    ),
]
CHARTS_BY_SLUG = {chart.slug: chart for chart in CHARTS}


def _filters(request) -> DashboardFilterForm:
    return DashboardFilterForm(request.GET, user=request.user)


@require("view_dashboard")
def dashboard(request):
    form = _filters(request)
    context = {"form": form, "charts": []}
    if form.is_valid():
        figures = snapshot.figures(form.scope())
        context["figures"] = figures
        context["usage_lists"] = metrics.usage_lists(figures)
        context["query"] = form.query_string()
        context["charts"] = [
            {
                "chart": chart,
                "element_id": f"chart-data-{chart.slug}",
                "data": {"kind": chart.kind, "header": chart.header, "rows": rows},
            }
            for chart, rows in ((chart, chart.rows(figures)) for chart in CHARTS)
        ]
    return render(request, "sales/dashboard/dashboard.html", context)


@require("view_dashboard")
def chart_csv(request, slug: str):
    chart = CHARTS_BY_SLUG.get(slug)
    if chart is None:
        raise Http404
    form = _filters(request)
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors.as_text(), content_type="text/plain")
    scope = form.scope()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{slug}_{scope.start.isoformat()}_{scope.end.isoformat()}.csv"'
    )
    response.write(BOM)
    writer = csv.writer(response)
    writer.writerow(chart.header)
    # The default view's CSV says what its page says (the snapshot); another period needs
    # only this chart's figures.
    figures = snapshot.figures(scope) if snapshot.is_default_view(scope) else chart.figures(scope)
    writer.writerows(chart.rows(figures))
    return response


@require("view_dashboard")
def records(request, metric: str):
    if metric not in metrics.RECORDS:
        raise Http404
    title, kind, records_of = metrics.RECORDS[metric]
    form = _filters(request)
    context = {"form": form, "title": title, "kind": kind}
    if form.is_valid():
        queryset = records_of(form.scope()).select_related(*RECORD_RELATIONS[kind])
        context["page"] = Paginator(queryset, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
        context["query"] = form.query_string()
    return render(request, "sales/dashboard/records.html", context)


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/charts/<slug:slug>.csv", chart_csv, name="dashboard_chart_csv"),
    path("dashboard/records/<slug:metric>/", records, name="dashboard_records"),
]
