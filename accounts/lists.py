"""What the company, quote, trial and license lists share: sorting by a column, the saved
filters (built-in presets and each user's own), the utilisation bands the lists filter by,
and whether the list may be downloaded as CSV."""

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from accounts.roles import can

# Utilisation bands (licensing.models.LicenseQuerySet.in_utilisation_band), named here so
# that the filter forms of every app can offer them (accounts imports no app above it).
LOW_UTILISATION, HIGH_UTILISATION, OVER_DEPLOYED = "low", "high", "over"


def risk_share() -> float:
    """The low band's bound as a fraction of the seats (USAGE_RISK_THRESHOLD is a percent)."""
    return settings.USAGE_RISK_THRESHOLD / 100


def utilisation_bands() -> list[tuple[str, str]]:
    """The utilisation filters' choices, worded with the thresholds of the settings."""
    return [
        (LOW_UTILISATION, f"Below {settings.USAGE_RISK_THRESHOLD}%"),
        (HIGH_UTILISATION, f"{settings.USAGE_EXPANSION_THRESHOLD}% or more"),
        (OVER_DEPLOYED, "Over-deployed (assigned above licensed)"),
    ]


def utilisation_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Utilisation",
        choices=[("", "Any utilisation"), *utilisation_bands()],
        required=False,
    )


# The lists that sort, save filters and export: key -> the list's URL name and the
# permission to see it.
LISTS = {
    "companies": ("company_list", "view_companies"),
    "quotes": ("quote_list", "view_quotes"),
    "trials": ("trial_list", "view_trials"),
    "licenses": ("license_list", "view_licenses"),
}
# Never part of a saved filter: the page shown and what is asked of it.
NOT_FILTERS = ("page", "format", "csrfmiddlewaretoken")


def end_of_this_week(today: date) -> date:
    """This week's Sunday (today, on a Sunday): where "this week" ends for a person, and for
    the saved filter "Trials ending this week" and home's "my follow-ups" alike."""
    return today + timedelta(days=6 - today.weekday())


def days_left_this_week(today: date) -> int:
    """Days from `today` to end_of_this_week (0 on a Sunday)."""
    return (end_of_this_week(today) - today).days


# Sums of money come back from some databases without their decimals (SQLite: 1600).
CENTS = Decimal("0.01")
# Rows fetched per database round trip while a CSV file streams.
CSV_CHUNK_SIZE = 500

# Built-in saved filters, the same for everyone (with the user's own id where it says "my").
PRESETS = {
    "companies": [
        (
            "My customers under-using their seats",
            lambda user, today: {"owner": user.pk, "status": "customer", "utilisation": "low"},
        ),
    ],
    "quotes": [
        ("My quotes awaiting an answer", lambda user, today: {"owner": user.pk, "status": "sent"}),
    ],
    "trials": [
        ("Trials ending this week", lambda user, today: {"ending": days_left_this_week(today)}),
    ],
    "licenses": [
        ("My renewals in the next 90 days", lambda user, today: {"owner": user.pk, "due": 90}),
        (
            "Renewals at risk (next 90 days)",
            lambda user, today: {"due": 90, "utilisation": LOW_UTILISATION},
        ),
    ],
}


def filter_query(data: QueryDict) -> str:
    """A list's address query without the page or the download asked: what a saved filter
    keeps."""
    query = data.copy()
    for name in NOT_FILTERS:
        query.pop(name, None)
    return query.urlencode()


def list_tools(request, key: str) -> dict:
    """The template context of a list's tools (lists/_tools.html): its presets, the user's
    saved filters of it (one query), the current filter to save, and whether to offer CSV."""
    user = request.user
    today = timezone.localdate()
    presets = [(label, QueryDict(mutable=True)) for label, _ in PRESETS[key]]
    for (_, query), (_, params) in zip(presets, PRESETS[key], strict=True):
        query.update(params(user, today))
    current = filter_query(request.GET)
    return {
        "list_key": key,
        "list_url": reverse(LISTS[key][0]),
        "presets": [(label, query.urlencode()) for label, query in presets],
        "saved_filters": user.saved_filters.filter(list_key=key),
        "current_filter": current,
        "may_export": can(user, "export_lists"),
    }


def wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


def sort_field() -> forms.ChoiceField:
    """The `sort` field of a SortedList form; its choices are set from SORTS on init."""
    return forms.ChoiceField(label="Sort", required=False)


class SortedList:
    """A list's sort for its filter form (which declares `sort = sort_field()`): `sort` is a
    key of SORTS (key -> label, ordering), so that nothing else reaches order_by. Each
    ordering ends on a unique column, so equal values keep one order from page to page.

    Sorts on an indexed column are served at any size. Keys in FIGURE_SORTS order by figures
    computed per row (seat sums, utilisation): about 25 ms per 1,000 rows, so beyond
    MOST_SORTED_ON_FIGURES matching rows the list asks to be narrowed (`sort_refusal`) and
    shows DEFAULT_SORT meanwhile."""

    SORTS: dict[str, tuple[str, list]] = {}
    DEFAULT_SORT = ""
    FIGURE_SORTS: frozenset[str] = frozenset()
    MOST_SORTED_ON_FIGURES = 2_000
    rows_word = "rows"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sort"].choices = [(key, label) for key, (label, _) in self.SORTS.items()]
        self.sort_refusal = ""
        self.applied_sort = self.DEFAULT_SORT

    def sorts_on_an_index(self, sort: str) -> bool:
        """Whether the filtered rows can be read in `sort`'s order from an index (else the
        figures of every matching row are computed to sort them)."""
        return sort not in self.FIGURE_SORTS

    def chosen_sort(self) -> str:
        return (self.cleaned_data.get("sort") if self.is_valid() else "") or self.DEFAULT_SORT

    def with_sort_figures(self, rows):
        """The rows with the figures that FIGURE_SORTS order by."""
        return rows

    def order(self, rows):
        """Order filtered rows by the chosen sort (see the class)."""
        sort = self.chosen_sort()
        if not self.sorts_on_an_index(sort):
            most = self.MOST_SORTED_ON_FIGURES
            if rows.order_by()[: most + 1].count() > most:
                self.sort_refusal = (
                    f"“{self.SORTS[sort][0]}” sorts at most {most:,} {self.rows_word}: narrow "
                    f"the list with the filters to use it. Shown by "
                    f"“{self.SORTS[self.DEFAULT_SORT][0]}” meanwhile."
                )
                sort = self.DEFAULT_SORT
            else:
                rows = self.with_sort_figures(rows)
        self.applied_sort = sort
        return rows.order_by(*self.SORTS[sort][1])


def percent_cell(share: float | None) -> Decimal | None:
    """A fraction (0.8125) as a CSV percentage with one decimal (81.3); None stays empty."""
    if share is None:
        return None
    return Decimal(str(share * 100)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


COMPANY_HEADER = [
    "name", "domain", "status", "industry", "country", "owner", "headcount", "target_seats",
    "licensed_seats", "top_product_seats", "penetration_percent", "whitespace",
    "lowest_utilisation_percent", "annual_value", "currency", "archived",
]  # fmt: skip


def company_rows(companies) -> Iterator[list]:
    """CSV rows of companies, as filtered and ordered: one query, read in chunks."""
    annotated = (
        companies.with_seats().with_status().with_penetration().with_utilisation()
    ).select_related("owner")
    for company in annotated.iterator(chunk_size=CSV_CHUNK_SIZE):
        yield [
            company.name, company.domain, company.status, company.get_industry_display(),
            company.country.code, company.owner.get_full_name() or company.owner.username,
            company.employee_count, company.target_seats, company.licensed_seats,
            company.top_product_seats,
            None if company.penetration is None else percent_cell(company.penetration / 100),
            company.whitespace, percent_cell(company.lowest_utilisation),
            company.annual_value.quantize(CENTS, rounding=ROUND_HALF_UP),
            settings.SEATDESK_CURRENCY, "yes" if company.archived_at else "",
        ]  # fmt: skip
