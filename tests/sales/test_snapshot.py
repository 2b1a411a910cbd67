"""The book snapshot (sales/metrics/snapshot.py) holds the figures the live computation gives,
after every seat-changing service and after the daily refresh, and the pages say as of when."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from licensing.models import License
from licensing.services import (
    add_seats,
    cancel_license,
    convert_trial,
    record_usage,
    renew_license,
)
from licensing.services.licenses import renewal_term
from sales import metrics, services, tasks
from sales.metrics import snapshot
from sales.models import BookSnapshot
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db


def live(owner_id):
    today = timezone.localdate()
    start, end = metrics.default_period(today)
    return metrics.dashboard(metrics.Scope(start=start, end=end, owner_id=owner_id, today=today))


def stored(owner_id):
    """The snapshot's figures as a page reads them, without their time."""
    figures = snapshot.book(owner_id)
    return {name: value for name, value in figures.items() if name != "as_of"}


@pytest.fixture
def books(company, product, account_manager, other_account_manager):
    """Two books with licenses, a trial and a customer below its headcount, both snapshotted."""
    company.employee_count = 200
    company.save()
    today = timezone.localdate()
    license = LicenseFactory(
        company=company,
        product=product,
        seats=20,
        starts_on=today - timedelta(days=300),
        ends_on=today + timedelta(days=64),
    )
    other = CompanyFactory(owner=other_account_manager, employee_count=80)
    LicenseFactory(company=other, product=product, seats=30, starts_on=today - timedelta(days=30))
    trial = TrialFactory(company=CompanyFactory(owner=account_manager), product=product)
    for owner_id in (None, account_manager.pk, other_account_manager.pk):
        snapshot.book(owner_id)
    return {"license": license, "trial": trial, "owners": (None, account_manager.pk)}


def change(django_capture_on_commit_callbacks, action):
    """Run a service as a request does: its commit marks the snapshots stale and refreshes them."""
    with django_capture_on_commit_callbacks(execute=True):
        return action()


def accept_a_quote(books, company, product, account_manager):
    new_product = ProductFactory()
    quote = services.send_quote(quote=make_quote(company=company, product=new_product), actor=None)
    services.accept_quote(quote=quote, actor=account_manager)


def add_some_seats(books, company, product, account_manager):
    license = books["license"]
    add_seats(
        license=license,
        seats=10,
        effective_on=timezone.localdate(),
        prorated_amount=Decimal("100.00"),
        actor=account_manager,
    )


def renew(books, company, product, account_manager):
    starts_on, ends_on = renewal_term(books["license"])
    renew_license(
        license=books["license"],
        seats=40,
        unit_price=Decimal("38.00"),
        starts_on=starts_on,
        ends_on=ends_on,
        actor=account_manager,
    )


def cancel(books, company, product, account_manager):
    cancel_license(license=books["license"], actor=account_manager)


def convert(books, company, product, account_manager):
    today = timezone.localdate()
    convert_trial(
        trial=books["trial"],
        seats=10,
        unit_price=Decimal("40.00"),
        starts_on=today,
        ends_on=today + timedelta(days=364),
        actor=account_manager,
    )


def report_usage(books, company, product, account_manager):
    """A batch from the usage feed (licensing's `usage_recorded`): 19 of 20 seats used for
    14 days makes the license expansion-ready."""
    today = timezone.localdate()
    record_usage(
        rows=[
            {"license": books["license"].pk, "date": (today - timedelta(days=days)).isoformat(),
             "assigned_seats": 20, "active_users_30d": 19}
            for days in range(14)
        ]
    )  # fmt: skip


@pytest.mark.parametrize(
    "service", [accept_a_quote, add_some_seats, renew, cancel, convert, report_usage]
)
def test_the_snapshots_equal_the_live_figures_after_each_seat_changing_service(
    books, company, product, account_manager, django_capture_on_commit_callbacks, service
):
    before = stored(None)
    change(
        django_capture_on_commit_callbacks,
        lambda: service(books, company, product, account_manager),
    )
    for owner_id in books["owners"]:
        assert stored(owner_id) == live(owner_id)
    assert stored(None) != before  # the service did change the figures


def test_the_daily_refresh_brings_every_snapshot_to_the_new_day(books, account_manager):
    yesterday = timezone.localdate() - timedelta(days=1)
    BookSnapshot.objects.update(today=yesterday, figures={})
    tasks.refresh_book_snapshots()
    assert set(BookSnapshot.objects.values_list("today", flat=True)) == {timezone.localdate()}
    for owner_id in books["owners"]:
        assert stored(owner_id) == live(owner_id)


def test_a_change_not_yet_refreshed_is_shown_with_the_time_the_figures_stood(
    books, account_manager
):
    """Without the commit's refresh (a worker still busy), the page keeps the older figures
    and says so: they are never older than the time shown."""
    computed_at = BookSnapshot.objects.get(owner=None).computed_at
    LicenseFactory(company=CompanyFactory(owner=account_manager), seats=500)
    figures = snapshot.book(None)
    assert figures["as_of"] == computed_at
    assert figures["active_seats"] == live(None)["active_seats"] - 500


def test_a_draft_quote_leaves_the_snapshots_fresh(
    books, company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_quote(company=company, product=ProductFactory())
    assert not BookSnapshot.objects.filter(changed_at__isnull=False).exists()


@pytest.fixture
def queued(monkeypatch):
    """The refreshes queued on the broker, with their options, instead of run at once."""
    calls = []
    monkeypatch.setattr(
        tasks.refresh_stale_book_snapshots, "apply_async", lambda **options: calls.append(options)
    )
    return calls


def test_a_burst_of_changes_queues_one_refresh_a_delay_on_which_brings_them_all(
    books, account_manager, queued, settings, django_capture_on_commit_callbacks
):
    settings.BOOK_SNAPSHOT_REFRESH_DELAY = 60
    for seats in (5, 7, 11):  # three commits, as three sends in a row
        with django_capture_on_commit_callbacks(execute=True):
            LicenseFactory(company=CompanyFactory(owner=account_manager), seats=seats)

    assert queued == [{"countdown": 60}]
    assert stored(None)["active_seats"] == live(None)["active_seats"] - 23  # as of before
    tasks.refresh_stale_book_snapshots()  # the queued refresh, a minute on
    assert stored(None) == live(None)

    with django_capture_on_commit_callbacks(execute=True):
        LicenseFactory(company=CompanyFactory(owner=account_manager), seats=2)
    assert len(queued) == 2  # a change after the refresh began queues the next one


def test_a_queued_refresh_that_never_began_is_queued_again(
    books, account_manager, queued, settings, django_capture_on_commit_callbacks
):
    settings.BOOK_SNAPSHOT_REFRESH_DELAY = 60
    lost_at = timezone.now() - timedelta(seconds=60 + snapshot.REFRESH_LOST_AFTER + 1)
    BookSnapshot.objects.update(refresh_queued_at=lost_at)  # its worker died holding it

    with django_capture_on_commit_callbacks(execute=True):
        LicenseFactory(company=CompanyFactory(owner=account_manager))

    assert queued == [{"countdown": 60}]


def test_a_refresh_the_broker_refuses_leaves_the_change_and_the_next_change_queues_it(
    books, account_manager, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(**options):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.refresh_stale_book_snapshots, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        license = LicenseFactory(company=CompanyFactory(owner=account_manager), seats=9)

    assert License.objects.filter(pk=license.pk).exists()
    assert "Could not queue the book snapshots' refresh" in caplog.text
    assert not BookSnapshot.objects.filter(refresh_queued_at__isnull=False).exists()

    monkeypatch.undo()  # the broker is back: the next change queues the refresh, which runs
    with django_capture_on_commit_callbacks(execute=True):
        LicenseFactory(company=CompanyFactory(owner=account_manager), seats=4)
    assert stored(None) == live(None)


def test_the_stored_figures_read_back_equal(books, account_manager):
    figures = live(account_manager.pk)
    assert snapshot.decode(snapshot.encode(figures)) == figures


def test_the_dashboard_and_the_metrics_api_say_as_of_when_and_agree(
    client, books, finance, account_manager
):
    client.force_login(finance)
    computed_at = timezone.localtime(BookSnapshot.objects.get(owner=None).computed_at)
    html = client.get(reverse("dashboard")).content.decode()
    assert f"Figures as of {computed_at:%H:%M}" in html
    body = client.get(reverse("api-metrics")).json()
    assert body["active_seats"] == live(None)["active_seats"] == 50
    assert body["as_of"] == computed_at.isoformat()


def test_another_period_takes_the_book_from_the_snapshot_and_its_flows_now(books, finance):
    """The period changes no figure of the book today: those come from the snapshot (with its
    as_of), the period's own figures are computed now, and together they equal the live ones."""
    today = timezone.localdate()
    scope = metrics.Scope(start=today.replace(day=1), end=today, today=today)
    figures = snapshot.figures(scope)
    assert figures["as_of"] == BookSnapshot.objects.get(owner=None).computed_at
    assert {name: value for name, value in figures.items() if name != "as_of"} == (
        metrics.dashboard(scope)
    )
    assert metrics.period_figures(scope).keys() < figures.keys()


def test_another_day_is_computed_now(books):
    today = timezone.localdate()
    scope = metrics.Scope(start=today.replace(day=1), end=today, today=today - timedelta(days=1))
    before = timezone.now()
    figures = snapshot.figures(scope)
    assert figures["as_of"] >= before
    assert {name: value for name, value in figures.items() if name != "as_of"} == (
        metrics.dashboard(scope)
    )


def test_the_api_reads_another_period_s_book_figures_from_the_snapshot(client, books, finance):
    client.force_login(finance)
    today = timezone.localdate()
    computed_at = BookSnapshot.objects.get(owner=None).computed_at
    body = client.get(reverse("api-metrics"), {"start": today.replace(day=1), "end": today}).json()
    assert datetime.fromisoformat(body["as_of"]) == computed_at
    assert body["start"] == today.replace(day=1).isoformat()


@pytest.mark.parametrize("role", ["account_manager", "admin"])
def test_the_home_page_lists_the_lowest_penetration_of_the_book_as_of_its_snapshot(
    client, books, request, role
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    book = snapshot.book(None if role == "admin" else user.pk)
    html = client.get(reverse("home")).content.decode()
    assert f"as of {timezone.localtime(book['as_of']):%H:%M}" in html
    names = [company.name for company in book["lowest_penetration"]]
    assert names and all(name in html for name in names)


def test_own_visibility_keeps_an_account_manager_s_figures_to_their_book(
    client, settings, books, account_manager
):
    settings.ACCOUNT_MANAGER_VISIBILITY = "own"
    client.force_login(account_manager)
    body = client.get(reverse("api-metrics"), {"owner": "all"}).json()
    assert body["owner"] == account_manager.pk
    assert body["active_seats"] == live(account_manager.pk)["active_seats"] == 20
