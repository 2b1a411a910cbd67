"""A small hand-made book for the list tests: three companies whose every sortable figure
differs, each with a license, a trial and a quote, so that each list's order is known."""

from datetime import timedelta

from django.utils import timezone

from licensing.services import record_usage
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import LicenseFactory, TrialFactory
from tests.sales.factories import make_quote


def report_usage(license, *, assigned: int, active: int, days_ago: int = 0) -> None:
    day = timezone.localdate() - timedelta(days=days_ago)
    record_usage(
        rows=[
            {"license": license.pk, "date": day.isoformat(), "assigned_seats": assigned,
             "active_users_30d": active}
        ]
    )  # fmt: skip


def make_book(owner, product) -> dict:
    """Alpha: 10 seats, 90 % used, renewal in 30 days. Bravo: 40 seats, 25 % used and 45
    assigned (over-deployed), renewal in 200 days. Charlie: 20 seats, no usage reported,
    renewal in 100 days. Trials end in 3, 10 and 1 days with 15, 5 and 25 seats; quotes for
    10, 50 and 25 seats are made in the order Alpha, Bravo, Charlie."""
    today = timezone.localdate()
    plan = {
        "Alpha": {"seats": 10, "ends_in": 30, "trial": (3, 15), "quote": 10},
        "Bravo": {"seats": 40, "ends_in": 200, "trial": (10, 5), "quote": 50},
        "Charlie": {"seats": 20, "ends_in": 100, "trial": (1, 25), "quote": 25},
    }
    book = {}
    for name, figures in plan.items():
        company = CompanyFactory(name=name, owner=owner, employee_count=100, target_seats=None)
        # The quote first: a new-business quote for a product the company holds is refused.
        make_quote(company=company, product=product, seats=figures["quote"])
        license = LicenseFactory(
            company=company,
            product=product,
            seats=figures["seats"],
            starts_on=today - timedelta(days=100),
            ends_on=today + timedelta(days=figures["ends_in"]),
        )
        ends_in, trial_seats = figures["trial"]
        TrialFactory(
            company=company,
            product=product,
            seats=trial_seats,
            ends_on=today + timedelta(days=ends_in),
        )
        book[name] = {"company": company, "license": license}
    report_usage(book["Alpha"]["license"], assigned=10, active=9)
    report_usage(book["Bravo"]["license"], assigned=45, active=10)
    return book
