"""The demo's usage written in bulk (`seed_demo --scale`: in SQL on PostgreSQL) is, row for
row and summary for summary, what the feed stores from the demo's rows (`seed_demo`)."""

from datetime import date, timedelta

import pytest

from accounts.models import Company
from licensing.demo_usage import seed_usage, seed_usage_in_bulk, usage_rows
from licensing.models import CompanyUtilisation, License, UsageRecord, UsageSummary
from tests.licensing.factories import LicenseFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 2)
RECORD_FIELDS = ("license", "day", "assigned_seats", "active_users_30d", "active_users_7d")
SUMMARY_FIELDS = (
    "license", "day", "assigned_seats", "active_users_30d", "active_users_7d", "active_share",
    "lowest_active_window", "days_reported_window", "adoption_50_on", "adoption_80_on",
)  # fmt: skip


def stored_usage():
    return (
        list(UsageRecord.objects.order_by("license", "day").values_list(*RECORD_FIELDS)),
        list(UsageSummary.objects.order_by("license").values_list(*SUMMARY_FIELDS)),
        list(
            CompanyUtilisation.objects.order_by("company").values_list(
                "company", "lowest_utilisation"
            )
        ),
    )


@pytest.fixture
def licenses():
    """Licenses of every shape (the shape follows the rank) and size, started long ago or
    within the 90 days, ended within them or running, live or not, and two out of reach."""
    made = []
    for index in range(30):
        starts_on = TODAY - timedelta(days=(400, 200, 60, 25, 3, 0)[index % 6])
        made.append(
            LicenseFactory(
                seats=(1, 5, 7, 20, 55, 130, 500)[index % 7],
                starts_on=starts_on,
                ends_on=starts_on + timedelta(days=(364, 330, 500)[index % 3]),
                live_on=starts_on + timedelta(days=(10, 45)[index % 2]) if index % 4 else None,
            )
        )
    LicenseFactory(starts_on=TODAY + timedelta(days=1), ends_on=TODAY + timedelta(days=365))
    LicenseFactory(status=License.Status.CANCELLED, starts_on=TODAY - timedelta(days=30))
    return made


def test_the_usage_written_in_bulk_is_what_the_feed_stores_from_the_demo_rows(licenses):
    seed_usage(today=TODAY)
    through_the_feed = stored_usage()
    UsageRecord.objects.all().delete()
    UsageSummary.objects.all().delete()
    CompanyUtilisation.objects.all().delete()

    written = seed_usage_in_bulk(today=TODAY)

    records, summaries, utilisation = stored_usage()
    assert written == len(records)
    assert (records, summaries, utilisation) == through_the_feed
    # Each company's stored lowest utilisation is the one computed from its licenses.
    computed = dict(Company.objects.with_utilisation(TODAY).values_list("pk", "lowest_utilisation"))
    assert {pk: dict(utilisation).get(pk) for pk in computed} == computed
    assert any(share is not None for _, share in utilisation)
    # Every license in force within the 90 days has its days; some adopted after go-live,
    # some are over-deployed.
    assert {pk for pk, *_ in records} == {license.pk for license in licenses}
    assert any(adoption_50_on for *_, adoption_50_on, _ in summaries)
    seats = {license.pk: license.seats for license in licenses}
    assert any(assigned > seats[pk] for pk, _, assigned, *_ in summaries)


def test_the_demo_usage_is_the_same_whatever_keys_the_database_hands_out(licenses):
    """A suite that ran before the seed leaves PostgreSQL's sequences further on: the shapes
    follow the licenses' order, so the demo (and its low-adoption tasks) stays the same."""

    def figures(shift):
        for license in licenses:
            license.pk += shift
        rows = [{**row, "license": None} for row in usage_rows(licenses, TODAY)]
        for license in licenses:
            license.pk -= shift
        return rows

    assert figures(0) == figures(1_000_003) == figures(5)
