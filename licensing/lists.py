"""The trial and license lists as CSV files (config/csv_stream.py writes them): the rows as
the lists filter and order them, one query read in chunks."""

from collections.abc import Iterator
from datetime import date

from accounts.lists import CSV_CHUNK_SIZE, percent_cell


def _owner(company) -> str:
    return company.owner.get_full_name() or company.owner.username


TRIAL_HEADER = [
    "company", "owner", "product", "seats", "starts_on", "ends_on", "days_left",
    "times_extended",
]  # fmt: skip


def trial_rows(trials, today: date) -> Iterator[list]:
    for trial in trials.select_related("company__owner", "product").iterator(
        chunk_size=CSV_CHUNK_SIZE
    ):
        yield [
            trial.company.name, _owner(trial.company), trial.product.name, trial.seats,
            trial.starts_on, trial.ends_on, trial.days_left(today), trial.times_extended,
        ]  # fmt: skip


LICENSE_HEADER = [
    "company", "owner", "product", "seats", "starts_on", "ends_on", "status", "annual_value",
    "currency", "assigned_seats", "active_users_30d", "utilisation_percent",
]  # fmt: skip


def license_rows(licenses, today: date) -> Iterator[list]:
    """Licenses annotated with their utilisation (LicenseQuerySet.with_utilisation)."""
    annotated = licenses.select_related("company__owner", "product")
    for license in annotated.iterator(chunk_size=CSV_CHUNK_SIZE):
        yield [
            license.company.name, _owner(license.company), license.product.name, license.seats,
            license.starts_on, license.ends_on, license.state(today), license.annual_value,
            license.currency, license.assigned_seats, license.active_users,
            percent_cell(license.utilisation),
        ]  # fmt: skip
