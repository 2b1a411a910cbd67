"""The drill-down page's table: which records (see records.py) each metric lists."""

from collections.abc import Callable

from django.db.models import QuerySet

from sales.metrics import records

# Metric name -> (title, kind of record, records).
RECORDS: dict[str, tuple[str, str, Callable[[records.Scope], QuerySet]]] = {
    "active-licenses": ("Active licenses (active seats, ARR)", "license", records.active_licenses),
    **{
        f"renewals-due-{days}": (
            f"Renewals due within {days} days",
            "license",
            lambda scope, days=days: records.renewals_due(scope, days),
        )
        for days in records.RENEWAL_WINDOWS
    },
    "renewals-decided": (
        "Licenses up for renewal, last 12 months",
        "license",
        records.licenses_up_for_renewal,
    ),
    "renewals-renewed": ("Licenses renewed, last 12 months", "license", records.licenses_renewed),
    "retention-cohort": ("Licenses in force 12 months ago", "license", records.licenses_a_year_ago),
    "trials-ended": ("Trials ended in the period", "trial", records.trials_ended),
    "trials-converted": ("Trials converted in the period", "trial", records.trials_converted),
    "customers": ("Customers by expansion potential", "company", records.customers),
    "licenses-started": ("Licenses started in the period", "license", records.licenses_started),
    "new-licenses": ("New licenses (deals) in the period", "license", records.new_licenses),
    "seat-changes": ("Seat changes in the period", "seat_change", records.seat_changes),
    "licenses-lost": (
        "Licenses cancelled or not renewed in the period",
        "license",
        records.licenses_lost,
    ),
    "quotes-decided": ("Quotes decided in the period", "quote", records.quotes_decided),
    "quotes-won": ("Quotes accepted in the period", "quote", records.quotes_won),
    "licenses-gone-live": (
        "Licenses gone live in the period",
        "license",
        records.licenses_gone_live,
    ),
}
