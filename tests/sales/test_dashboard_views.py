import csv
import io
import re
from datetime import date

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from licensing.models import SeatChange
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import LicenseFactory, TrialFactory

pytestmark = pytest.mark.django_db

# The dashboard turns PostgreSQL's JIT off in a savepoint: SAVEPOINT, SET LOCAL, RELEASE.
EXTRA_ON_POSTGRESQL = 3 if connection.vendor == "postgresql" else 0


@pytest.fixture
def books(company, product, account_manager, other_account_manager):
    """am: Acme, 20 seats at 40 from the start of this month; am2: Zeta, 35 seats at 40."""
    today = timezone.localdate()
    starts_on = today.replace(day=1)
    ends_on = starts_on.replace(year=starts_on.year + 1)
    company.name = "Acme"
    company.save()
    mine = LicenseFactory(
        company=company, product=product, seats=20, starts_on=starts_on, ends_on=ends_on
    )
    SeatChange.objects.create(license=mine, delta=5, seats_after=25, effective_on=starts_on)
    mine.seats = 25
    mine.save()
    zeta = CompanyFactory(name="Zeta", owner=other_account_manager, employee_count=70)
    LicenseFactory(company=zeta, product=product, seats=35, starts_on=starts_on, ends_on=ends_on)
    return {"today": today, "month": starts_on}


def figure(html: str, label: str) -> str:
    """The value shown under a figure's label."""
    match = re.search(rf">{re.escape(label)}</h3>\s*<p[^>]*><a[^>]*>([^<]*)</a>", html)
    assert match, f"no figure {label!r}"
    return match.group(1).strip()


def test_an_account_manager_sees_their_own_book_by_default(client, books, account_manager):
    client.force_login(account_manager)
    html = client.get(reverse("dashboard")).content.decode()
    assert figure(html, "Active seats") == "25"
    assert figure(html, "ARR") == "1,000.00 EUR"
    assert f'<option value="{account_manager.pk}" selected>' in html
    assert "Acme" in html and "Zeta" not in html


def test_an_account_manager_may_look_at_another_book_or_all(
    client, books, account_manager, other_account_manager
):
    client.force_login(account_manager)
    other = client.get(reverse("dashboard"), {"owner": other_account_manager.pk}).content.decode()
    assert figure(other, "Active seats") == "35"
    everything = client.get(reverse("dashboard"), {"owner": "all"}).content.decode()
    assert figure(everything, "Active seats") == "60"


@pytest.mark.parametrize("role", ["finance", "admin"])
def test_finance_and_administrators_see_everything_by_default(client, books, request, role):
    client.force_login(request.getfixturevalue(role))
    html = client.get(reverse("dashboard")).content.decode()
    assert figure(html, "Active seats") == "60"
    assert '<option value="all" selected>' in html


def test_support_may_not_see_the_dashboard_and_strangers_must_sign_in(client, support):
    for name, args in [("dashboard", []), ("dashboard_records", ["trials-ended"])]:
        assert client.get(reverse(name, args=args)).status_code == 302
    client.force_login(support)
    assert client.get(reverse("dashboard")).status_code == 403
    assert client.get(reverse("dashboard_chart_csv", args=["seat-growth"])).status_code == 403
    assert client.get(reverse("dashboard_records", args=["trials-ended"])).status_code == 403


def test_the_dashboard_reads_its_snapshot_in_the_same_queries_whatever_the_data_size(
    client, books, finance, product, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client.force_login(finance)
    client.get(reverse("dashboard"))  # the first look of the day stores the snapshot
    # Session and user, roles, the owner choices, the snapshot's row (with the usage lists'
    # ranking: no usage reported, no rows or whitespace to read).
    with django_assert_num_queries(5):
        client.get(reverse("dashboard"))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(6):
            LicenseFactory(
                company=CompanyFactory(owner=finance),
                product=product,
                seats=10,
                starts_on=books["month"],
                ends_on=books["month"].replace(year=books["month"].year + 1),
            )
    with django_assert_num_queries(5):
        html = client.get(reverse("dashboard")).content.decode()
    assert figure(html, "Active seats") == str(60 + 6 * 10)


def test_another_period_reads_the_snapshot_and_its_flows_in_the_same_queries_whatever_the_size(
    client, books, finance, product, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client.force_login(finance)
    client.get(reverse("dashboard"))  # the first look of the day stores the snapshot
    period = {"start": books["month"].isoformat(), "end": books["today"].isoformat()}
    # Session and user, roles, the owner choices, the snapshot's row (with the usage lists'
    # ranking: no usage reported, no rows or whitespace to read), the period's 10.
    with django_assert_num_queries(15 + EXTRA_ON_POSTGRESQL):
        client.get(reverse("dashboard"), period)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(6):
            LicenseFactory(
                company=CompanyFactory(owner=finance),
                product=product,
                starts_on=books["month"],
                ends_on=books["month"].replace(year=books["month"].year + 1),
            )
    with django_assert_num_queries(15 + EXTRA_ON_POSTGRESQL):
        client.get(reverse("dashboard"), period)


def test_a_period_ending_before_it_starts_is_explained_next_to_the_field(client, finance):
    client.force_login(finance)
    response = client.get(reverse("dashboard"), {"start": "2026-06-01", "end": "2026-05-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "The period must end on or after its start." in html
    assert 'aria-describedby="id_end-errors"' in html


def test_the_seat_growth_csv_holds_the_chart_s_numbers(client, books, account_manager):
    client.force_login(account_manager)
    month = books["month"]
    response = client.get(
        reverse("dashboard_chart_csv", args=["seat-growth"]),
        {"start": month.isoformat(), "end": books["today"].isoformat()},
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # so Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["Month", "New", "Expansion", "Cancelled", "Not renewed", "Net"],
        [month.isoformat(), "20", "5", "0", "0", "25"],
    ]


def test_the_conversion_csv_holds_trials_ended_converted_and_the_rate(
    client, books, company, product, account_manager
):
    month = books["month"]
    for status in ("converted", "expired", "expired"):
        TrialFactory(
            company=company,
            product=product,
            status=status,
            starts_on=month,
            ends_on=books["today"],
            ended_at=timezone.now(),
        )
    client.force_login(account_manager)
    response = client.get(
        reverse("dashboard_chart_csv", args=["conversion"]),
        {"start": month.isoformat(), "end": books["today"].isoformat()},
    )
    assert list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) == [
        ["Month", "Trials ended", "Converted", "Conversion rate"],
        [month.isoformat(), "3", "1", "0.3333"],
    ]


def test_the_renewals_and_penetration_csvs_hold_their_numbers(client, books, finance):
    client.force_login(finance)
    renewals = client.get(reverse("dashboard_chart_csv", args=["renewals"])).content.decode(
        "utf-8-sig"
    )
    rows = list(csv.reader(io.StringIO(renewals)))
    assert rows[0] == ["Month", "Licenses due", "Annual value"] and len(rows) == 13
    assert rows[1] == [books["month"].isoformat(), "0", "0.00"]
    penetration = client.get(reverse("dashboard_chart_csv", args=["penetration"])).content
    rows = list(csv.reader(io.StringIO(penetration.decode("utf-8-sig"))))
    # Acme 25 of 200 (12.5 %), Zeta 35 of 70 (50 %).
    assert rows == [
        ["Seat penetration", "Customers"],
        ["under 10%", "0"],
        ["10–25%", "1"],
        ["25–50%", "0"],
        ["50–75%", "1"],
        ["75–100%", "0"],
        ["100% or more", "0"],
        ["no headcount", "0"],
    ]


def test_every_figure_links_to_the_records_behind_it(client, books, finance):
    client.force_login(finance)
    html = client.get(reverse("dashboard")).content.decode()
    links = set(re.findall(r'href="(/dashboard/records/[^"]+)"', html))
    assert len(links) >= 12
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link


def test_the_records_of_a_figure_list_the_licenses_counted(
    client, books, account_manager, django_assert_max_num_queries
):
    client.force_login(account_manager)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("dashboard_records", args=["active-licenses"]))
    html = response.content.decode()
    assert "Acme" in html and "Zeta" not in html
    assert "1 record." in html
    assert "at start" not in html
    assert "40.00 EUR" in html  # the unit price
    customers = client.get(reverse("dashboard_records", args=["customers"]), {"owner": "all"})
    assert "Acme" in customers.content.decode() and "Zeta" in customers.content.decode()
    started = client.get(reverse("dashboard_records", args=["licenses-started"])).content.decode()
    assert '25 <span class="text-body-secondary">(20 at start)</span>' in started


def test_records_explain_bad_filters_and_say_when_nothing_counted_and_a_csv_refuses_them(
    client, finance
):
    client.force_login(finance)
    bad = {"start": "2026-06-01", "end": "2026-01-01"}
    records = client.get(reverse("dashboard_records", args=["trials-ended"]), bad)
    assert "The period must end on or after its start." in records.content.decode()
    empty = client.get(reverse("dashboard_records", args=["quotes-won"])).content.decode()
    assert "0 records." in empty
    csv_response = client.get(reverse("dashboard_chart_csv", args=["conversion"]), bad)
    assert csv_response.status_code == 400


def test_an_unknown_metric_has_no_records(client, finance):
    client.force_login(finance)
    assert client.get(reverse("dashboard_records", args=["nothing"])).status_code == 404
    assert client.get(reverse("dashboard_chart_csv", args=["nothing"])).status_code == 404


def test_the_period_defaults_to_the_last_twelve_months(client, finance):
    client.force_login(finance)
    html = client.get(reverse("dashboard")).content.decode()
    today = timezone.localdate()
    first = date(today.year - (1 if today.month < 12 else 0), (today.month % 12) + 1, 1)
    assert f'value="{first.isoformat()}"' in html
    assert f'value="{today.isoformat()}"' in html
