from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from licensing.pricing import add_months
from licensing.services import record_usage
from sales.links import issue_link
from sales.metrics import pipeline, snapshot
from sales.models import Quote
from sales.services import (
    accept_quote,
    approve_quote,
    decline_quote,
    expire_quote,
    revise_quote,
    update_quote,
)
from sales.services.portal import record_open, withdraw_link
from tests.accounts.factories import CompanyFactory, ContactFactory, UserFactory
from tests.licensing.factories import LicenseFactory, ProductFactory
from tests.sales.factories import make_quote, misstaged, send_and_work

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS_MONTH = f"{TODAY:%Y-%m}"


def _opened(quote: Quote):
    """The recipient opens the quote's link; returns the link."""
    link = issue_link(quote)
    record_open(link=link)
    return link


def _stages(user) -> dict[str, str]:
    return {quote.reference: quote.stage for quote in pipeline.open_quotes(user, owner_id=None)}


def _table(user, owner_id=None, currency="EUR") -> pipeline.CurrencyPipeline:
    return next(
        table for table in pipeline.summary(user, owner_id, TODAY) if table.currency == currency
    )


def _row(table, key: str) -> pipeline.Row:
    return next(row for row in table.rows if row.bucket.key == key)


def test_each_open_quote_sits_in_its_stage(company, product, account_manager):
    draft = make_quote(company=company, product=product)
    pending = make_quote(company=company, product=product, discount_percent=Decimal("30"))
    sent = send_and_work(quote=make_quote(company=company, product=product))
    viewed = send_and_work(quote=make_quote(company=company, product=product))
    _opened(viewed)
    accepted = send_and_work(quote=make_quote(company=company, product=ProductFactory()))
    accept_quote(quote=accepted, actor=account_manager)

    assert _stages(account_manager) == {
        draft.reference: "draft",
        pending.reference: "awaiting_approval",
        sent.reference: "sent",
        viewed.reference: "viewed",
    }


def test_a_quote_being_revised_counts_once_at_its_latest_revision(
    company, product, account_manager
):
    sent = send_and_work(quote=make_quote(company=company, product=product))
    revision = revise_quote(quote=sent, actor=account_manager)

    assert _stages(account_manager) == {revision.reference: "draft"}


def test_a_withdrawn_link_does_not_make_a_quote_viewed(company, product, account_manager):
    sent = send_and_work(quote=make_quote(company=company, product=product))
    withdraw_link(link=_opened(sent), actor=account_manager)

    assert _stages(account_manager) == {sent.reference: "sent"}


def test_the_stored_stage_follows_every_step_of_a_quote(company, product, account_manager, finance):
    def stages(*quotes) -> list[str]:
        assert not misstaged().exists()  # every quote's stored stage is the computed one
        return [Quote.objects.get(pk=quote.pk).stage for quote in quotes]

    first = make_quote(company=company, product=product, discount_percent=Decimal("30"))
    assert stages(first) == ["awaiting_approval"]
    approve_quote(quote=first, actor=finance)
    assert stages(first) == ["draft"]
    first = send_and_work(quote=first)
    assert stages(first) == ["sent"]
    _opened(first)
    assert stages(first) == ["viewed"]
    revision = revise_quote(quote=first, actor=account_manager)
    assert stages(first, revision) == ["", "awaiting_approval"]
    revision.delete()
    assert stages(first) == ["viewed"]
    revision = revise_quote(quote=first, actor=account_manager)
    approve_quote(quote=revision, actor=finance)
    revision = send_and_work(quote=revision)
    assert stages(first, revision) == ["", "sent"]
    decline_quote(quote=revision, actor=account_manager)
    assert stages(revision) == [""]

    second = send_and_work(quote=make_quote(company=company, product=ProductFactory()))
    draft = revise_quote(quote=second, actor=account_manager)
    accept_quote(quote=second, actor=account_manager)
    assert stages(second, draft) == ["", ""]

    third = make_quote(company=company, product=ProductFactory(), valid_until=TODAY)
    third = send_and_work(quote=third)
    expire_quote(quote=third, now=timezone.now() + timedelta(days=1))
    assert stages(third) == [""]


def test_deleting_a_draft_revision_brings_the_quote_it_revised_back(
    company, product, account_manager
):
    sent = send_and_work(quote=make_quote(company=company, product=product))
    revision = revise_quote(quote=sent, actor=account_manager)

    Quote.objects.filter(pk=revision.pk).delete()

    assert _stages(account_manager) == {sent.reference: "sent"}
    assert not misstaged().exists()


def test_the_close_month_is_the_expected_close_else_the_valid_until_date(
    company, product, account_manager
):
    next_month = add_months(TODAY.replace(day=1), 1)
    by_validity = make_quote(company=company, product=product, valid_until=TODAY)
    by_expectation = make_quote(company=company, product=product, valid_until=TODAY)
    update_quote(quote=by_expectation, actor=account_manager, expected_close=next_month)
    overdue = make_quote(
        company=company, product=product, valid_until=TODAY.replace(day=1) - timedelta(days=1)
    )
    later = make_quote(company=company, product=product, valid_until=add_months(TODAY, 7))

    table = _table(account_manager)

    for key, quote in (
        (THIS_MONTH, by_validity),
        (f"{next_month:%Y-%m}", by_expectation),
        (pipeline.OVERDUE, overdue),
        (pipeline.LATER, later),
    ):
        row = _row(table, key)
        assert (row.total.count, row.total.total) == (1, quote.total), key
    assert table.total.total == sum(
        quote.total for quote in (by_validity, by_expectation, overdue, later)
    )


def test_the_forecast_weighs_each_column_by_its_chance(company, product, account_manager, settings):
    settings.PIPELINE_STAGE_PROBABILITIES = {
        "draft": 10,
        "awaiting_approval": 20,
        "sent": 50,
        "viewed": 75,
        "renewal": 90,
    }
    draft = make_quote(company=company, product=product, valid_until=TODAY)
    sent = send_and_work(quote=make_quote(company=company, product=product))
    viewed = send_and_work(quote=make_quote(company=company, product=product))
    _opened(viewed)
    license = LicenseFactory(
        company=company,
        seats=10,
        unit_price=Decimal("33.33"),
        starts_on=add_months(TODAY, -11),
        ends_on=TODAY + timedelta(days=20),
    )

    table = _table(account_manager)

    expected = (
        draft.total * Decimal("0.10")
        + sent.total * Decimal("0.50")
        + viewed.total * Decimal("0.75")
        + Decimal("333.30") * Decimal("0.90")
    ).quantize(Decimal("0.01"))
    assert table.weighted == expected
    assert table.columns["renewal"].total == license.seats * license.unit_price
    assert table.total.total == draft.total + sent.total + viewed.total + Decimal("333.30")


def test_amounts_in_other_currencies_are_never_added(company, account_manager):
    euros = make_quote(company=company, product=ProductFactory(currency="EUR"))
    dollars = make_quote(company=company, product=ProductFactory(currency="USD"))

    assert _table(account_manager, currency="EUR").total.total == euros.total
    assert _table(account_manager, currency="USD").total.total == dollars.total


def test_a_renewal_with_a_quote_in_play_leaves_the_renewal_column(
    company, product, account_manager
):
    license = LicenseFactory(
        company=company,
        product=product,
        starts_on=add_months(TODAY, -11),
        ends_on=TODAY + timedelta(days=30),
    )
    assert _table(account_manager).columns["renewal"].count == 1

    make_quote(company=company, product=product, kind=Quote.Kind.RENEWAL, license=license, seats=20)

    table = _table(account_manager)
    assert table.columns["renewal"].count == 0
    assert table.columns["draft"].count == 1


def test_renewals_beyond_the_window_are_not_due(company, product, account_manager, settings):
    LicenseFactory(
        company=company,
        product=product,
        starts_on=add_months(TODAY, -10),
        ends_on=TODAY + timedelta(days=settings.USAGE_RENEWAL_WINDOW_DAYS + 1),
    )

    assert pipeline.summary(account_manager, None, TODAY) == []


@pytest.fixture
def two_books(company, product, other_account_manager):
    """A quote of the account manager's company, and one of another manager's."""
    theirs = CompanyFactory(owner=other_account_manager)
    ContactFactory(company=theirs, is_primary=True)
    return (
        make_quote(company=company, product=product, valid_until=TODAY),
        make_quote(company=theirs, product=product, valid_until=TODAY),
    )


def _shown(response) -> set[str]:
    return {
        card.reference
        for column in response.context["board"]
        if column.key != pipeline.RENEWAL
        for card in column.cards
    }


def test_an_account_manager_sees_their_own_pipeline_first(client, account_manager, two_books):
    mine, theirs = two_books
    client.force_login(account_manager)

    assert _shown(client.get(reverse("pipeline"))) == {mine.reference}
    assert _shown(client.get(reverse("pipeline"), {"owner": "all"})) == {
        mine.reference,
        theirs.reference,
    }
    other = theirs.owner_id
    assert _shown(client.get(reverse("pipeline"), {"owner": other})) == {theirs.reference}


def test_finance_sees_every_owner_first(client, finance, two_books):
    client.force_login(finance)

    response = client.get(reverse("pipeline"))

    assert _shown(response) == {quote.reference for quote in two_books}
    assert response.context["tables"][0].total.total == sum(quote.total for quote in two_books)


def test_with_own_visibility_an_account_manager_never_sees_another_book(
    client, account_manager, two_books, settings
):
    settings.ACCOUNT_MANAGER_VISIBILITY = "own"
    mine, theirs = two_books
    client.force_login(account_manager)

    assert _shown(client.get(reverse("pipeline"), {"owner": "all"})) == {mine.reference}
    response = client.get(reverse("pipeline"), {"owner": theirs.owner_id})
    assert "owner" in response.context["form"].errors
    assert theirs.reference not in response.content.decode()


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.USAGE_FEED])
def test_roles_without_quotes_may_not_open_the_pipeline(client, role):
    client.force_login(UserFactory(username="someone", role=role))

    assert client.get(reverse("pipeline")).status_code == 403


def test_signing_in_is_required(client):
    response = client.get(reverse("pipeline"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_an_unknown_month_is_a_field_error(client, account_manager):
    client.force_login(account_manager)

    response = client.get(reverse("pipeline"), {"month": "1999-01"})

    assert response.status_code == 200
    assert "month" in response.context["form"].errors
    assert "board" not in response.context


def _book_of(count: int, company, product) -> None:
    for index in range(count):
        quote = make_quote(company=company, product=product, valid_until=TODAY)
        if index % 2:
            quote = send_and_work(quote=quote)
            _opened(quote)
        LicenseFactory(  # a product of its own: the quotes' one is not held
            company=company,
            starts_on=add_months(TODAY, -11),
            ends_on=TODAY + timedelta(days=10 + index),
        )


@pytest.mark.parametrize("count", [2, 8])
def test_the_page_reads_a_fixed_number_of_queries(
    client, account_manager, company, product, count, django_assert_max_num_queries
):
    _book_of(count, company, product)
    client.force_login(account_manager)
    snapshot.refresh(owner_id=account_manager.pk)  # the book's snapshot, as beat stores it

    with django_assert_max_num_queries(20):
        response = client.get(reverse("pipeline"))

    assert sum(column.count for column in response.context["board"]) == 2 * count


def test_renewals_little_used_come_from_the_book_snapshot_refreshed_by_the_usage_feed(
    client, account_manager, company, product, django_capture_on_commit_callbacks
):
    license = LicenseFactory(
        company=company,
        product=product,
        seats=20,
        starts_on=TODAY - timedelta(days=300),
        ends_on=TODAY + timedelta(days=60),
    )
    client.force_login(account_manager)
    assert client.get(reverse("pipeline")).context["at_risk"]["little_used_count"] == 0

    with django_capture_on_commit_callbacks(execute=True):  # the feed's batch commits
        record_usage(
            rows=[
                {"license": license.pk, "date": TODAY.isoformat(), "assigned_seats": 15,
                 "active_users_30d": 5}
            ]
        )  # fmt: skip
    response = client.get(reverse("pipeline"))

    at_risk = response.context["at_risk"]
    assert [summary.license for summary in at_risk["little_used"]] == [license]
    assert at_risk["little_used_count"] == 1
    as_of = timezone.localtime(at_risk["little_used_as_of"])
    assert f"as of {as_of:%H:%M}" in response.content.decode()


def _sent_until(company, valid_until, product=None) -> Quote:
    """A sent quote valid until `valid_until` (set by hand: sending dates it ahead)."""
    quote = send_and_work(quote=make_quote(company=company, product=product or ProductFactory()))
    Quote.objects.filter(pk=quote.pk).update(valid_until=valid_until)
    quote.refresh_from_db()
    return quote


def test_sent_quotes_past_their_valid_until_date_are_at_risk(
    client, account_manager, company, other_account_manager
):
    yesterday = TODAY - timedelta(days=1)
    lapsed = _sent_until(company, TODAY - timedelta(days=20))
    viewed = _sent_until(company, yesterday)
    _opened(viewed)
    _sent_until(company, TODAY)  # still valid today
    declined = _sent_until(company, yesterday)
    decline_quote(quote=declined, actor=account_manager)
    expired = _sent_until(company, yesterday)
    expire_quote(quote=expired)
    make_quote(company=company, product=ProductFactory(), valid_until=yesterday)  # a draft
    theirs = CompanyFactory(owner=other_account_manager)
    ContactFactory(company=theirs, is_primary=True)
    _sent_until(theirs, yesterday)  # another manager's book
    client.force_login(account_manager)

    response = client.get(reverse("pipeline"))

    at_risk = response.context["at_risk"]
    assert at_risk["lapsed"] == [lapsed, viewed]  # the longest lapsed first
    assert at_risk["lapsed_count"] == 2
    section = response.content.decode().split('data-testid="lapsed"')[1].split("</section>")[0]
    assert "Sent quotes past their valid-until date" in section
    assert f"{lapsed.reference}</a> · {company.name}" in section
    assert f"valid until {yesterday:%-d %b %Y}" in section


def test_the_lapsed_quotes_count_them_all_beyond_the_rows_shown(
    client, account_manager, company, monkeypatch
):
    monkeypatch.setattr(pipeline, "AT_RISK_ROWS", 2)
    for days_late in (3, 2, 1):
        _sent_until(company, TODAY - timedelta(days=days_late))
    client.force_login(account_manager)

    at_risk = client.get(reverse("pipeline"), {"owner": "all"}).context["at_risk"]

    assert len(at_risk["lapsed"]) == 2 and at_risk["lapsed_count"] == 3
    assert [quote.valid_until for quote in at_risk["lapsed"]] == [
        TODAY - timedelta(days=3),
        TODAY - timedelta(days=2),
    ]


def test_each_column_of_the_board_shows_its_soonest_deals_and_counts_them_all(
    company, account_manager, monkeypatch
):
    monkeypatch.setattr(pipeline, "CARDS", 2)
    month = TODAY.replace(day=1)
    drafts = [
        make_quote(
            company=company, product=ProductFactory(), expected_close=month + timedelta(days=day)
        )
        for day in (20, 3, 9)
    ]
    sent = make_quote(company=company, product=ProductFactory(), expected_close=TODAY)
    sent = send_and_work(quote=sent)
    this_month = pipeline.buckets(TODAY)[1]
    tables = pipeline.summary(account_manager, None, TODAY)

    board = pipeline.board(account_manager, None, this_month, TODAY, tables)

    columns = {column.key: column for column in board}
    assert [card.pk for card in columns["draft"].cards] == [drafts[1].pk, drafts[2].pk]
    assert columns["draft"].count == 3
    assert [card.pk for card in columns["sent"].cards] == [sent.pk]
    assert (columns["awaiting_approval"].cards, columns["viewed"].cards) == ([], [])
