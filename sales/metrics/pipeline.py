"""The pipeline: open quotes by stage and by expected close month, the renewals due as a
column of their own, with totals and a weighted forecast per currency (amounts in different
currencies are never added), and what is at risk. Every read is a fixed number of queries,
whatever the number of quotes: sums are grouped in SQL, the cards are cut at CARDS per column."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum, Window
from django.db.models.functions import TruncMonth

from accounts.roles import visible
from licensing.models import License, annual_value_expression
from licensing.pricing import add_months, quantize
from sales.metrics import snapshot, usage
from sales.models import Quote

RENEWAL = "renewal"
# The columns, left to right: the quote stages, then the renewals due without a quote yet.
COLUMNS = (*Quote.Stage.choices, (RENEWAL, "Renewal due"))
CARDS = 25
AT_RISK_ROWS = 10
# The close-month rows: before this month, this month, the next two, and everything after.
OVERDUE, LATER = "overdue", "later"
MONTHS_AHEAD = 3


def stage_probabilities() -> dict[str, Decimal]:
    """Chance of closing per column, as a fraction (settings.PIPELINE_STAGE_PROBABILITIES)."""
    return {
        column: Decimal(settings.PIPELINE_STAGE_PROBABILITIES[column]) / 100
        for column, _ in COLUMNS
    }


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    start: date | None  # first day included, None: since ever
    end: date | None  # first day excluded, None: for ever


def buckets(today: date) -> list[Bucket]:
    """The close-month rows, from the deals already overdue to the later ones."""
    month = today.replace(day=1)
    rows = [Bucket(OVERDUE, "Overdue (before this month)", None, month)]
    for ahead in range(MONTHS_AHEAD):
        start = add_months(month, ahead)
        label = "This month" if ahead == 0 else f"{start:%B %Y}"
        rows.append(Bucket(f"{start:%Y-%m}", label, start, add_months(start, 1)))
    rows.append(Bucket(LATER, "Later", add_months(month, MONTHS_AHEAD), None))
    return rows


def bucket_of(month: date, rows: list[Bucket]) -> Bucket:
    """The row a close month (its first day) falls in."""
    return next(
        row
        for row in rows
        if (row.start is None or month >= row.start) and (row.end is None or month < row.end)
    )


@dataclass
class Cell:
    count: int = 0
    total: Decimal = Decimal("0")

    def add(self, count: int, total: Decimal) -> None:
        self.count += count
        self.total += total


@dataclass
class Row:
    bucket: Bucket
    cells: dict[str, Cell]
    total: Cell = field(default_factory=Cell)
    weighted: Decimal = Decimal("0")


@dataclass
class CurrencyPipeline:
    """One currency's table: a row per close month, a cell per column, and the totals."""

    currency: str
    rows: list[Row]
    columns: dict[str, Cell]
    total: Cell = field(default_factory=Cell)
    weighted: Decimal = Decimal("0")


def open_quotes(user, owner_id: int | None) -> QuerySet:
    """The open quotes the user may see (Quote.objects.in_pipeline), of one owner or all."""
    quotes = visible(user, Quote.objects.in_pipeline())
    return quotes if owner_id is None else quotes.filter(owner_id=owner_id)


def renewals_due(user, owner_id: int | None, today: date) -> QuerySet:
    """Licenses ending within the renewal window (USAGE_RENEWAL_WINDOW_DAYS) with no renewal
    quote in play (a draft or sent renewal already counts in the quote columns), with their
    annual value as `value`, in the house currency."""
    quoted = Quote.objects.filter(
        kind=Quote.Kind.RENEWAL,
        license=OuterRef("pk"),
        status__in=(Quote.Status.DRAFT, Quote.Status.SENT),
    )
    licenses = visible(
        user, License.objects.renewals_due_within(settings.USAGE_RENEWAL_WINDOW_DAYS, today)
    ).filter(~Exists(quoted))
    if owner_id is not None:
        licenses = licenses.filter(company__owner_id=owner_id)
    return licenses.annotate(value=annual_value_expression())


def summary(user, owner_id: int | None, today: date) -> list[CurrencyPipeline]:
    """Counts, totals and weighted forecast per currency, close month and column. Two
    queries: quotes grouped by stage, currency and close month; renewals by end month."""
    grouped = [
        (row["stage"], row["currency"], row["month"], row["count"], row["total"])
        for row in open_quotes(user, owner_id)
        .annotate(month=TruncMonth("closes_on"))
        .order_by()
        .values("stage", "currency", "month")
        .annotate(count=Count("pk"), total=Sum("total"))
    ]
    grouped += [
        (RENEWAL, settings.SEATDESK_CURRENCY, row["month"], row["count"], row["total"])
        for row in renewals_due(user, owner_id, today)
        .annotate(month=TruncMonth("ends_on"))
        .order_by()
        .values("month")
        .annotate(count=Count("pk"), total=Sum("value"))
    ]
    probabilities = stage_probabilities()
    rows = buckets(today)
    tables: dict[str, CurrencyPipeline] = {}
    for column, currency, month, count, total in grouped:
        table = tables.get(currency) or tables.setdefault(currency, _empty_table(currency, rows))
        bucket = bucket_of(_as_date(month), rows)
        row = next(each for each in table.rows if each.bucket == bucket)
        weighted = total * probabilities[column]
        for cell in (row.cells[column], row.total, table.columns[column], table.total):
            cell.add(count, total)
        row.weighted += weighted
        table.weighted += weighted
    for table in tables.values():
        for row in table.rows:
            row.weighted = quantize(row.weighted, table.currency)
        table.weighted = quantize(table.weighted, table.currency)
    return [tables[currency] for currency in sorted(tables)]


def _empty_table(currency: str, rows: list[Bucket]) -> CurrencyPipeline:
    return CurrencyPipeline(
        currency=currency,
        rows=[Row(bucket, {column: Cell() for column, _ in COLUMNS}) for bucket in rows],
        columns={column: Cell() for column, _ in COLUMNS},
    )


def _as_date(month) -> date:
    # TruncMonth of a date gives a date on PostgreSQL and SQLite alike; a datetime is cut.
    return month.date() if hasattr(month, "date") else month


def _in(bucket: Bucket, field_name: str) -> Q:
    within = Q()
    if bucket.start is not None:
        within &= Q(**{f"{field_name}__gte": bucket.start})
    if bucket.end is not None:
        within &= Q(**{f"{field_name}__lt": bucket.end})
    return within


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    cards: list
    count: int
    currency: str = ""  # the renewals': the house currency; a quote card carries its own


def board(
    user, owner_id: int | None, bucket: Bucket, today: date, tables: list[CurrencyPipeline]
) -> list[Column]:
    """The deals of one close-month row, a column per stage and the renewals due, each its
    first CARDS (soonest first) and its length (read from `tables`, the summary). A query
    per column that has deals: each reads its first cards from the stage's index
    (quote_pipeline_board), however many deals the row holds."""
    rows = [row for table in tables for row in table.rows if row.bucket.key == bucket.key]
    counts = {key: sum(row.cells[key].count for row in rows) for key, _ in COLUMNS}
    deals = (
        open_quotes(user, owner_id)
        .filter(_in(bucket, "closes_on"))
        .with_parties()
        .order_by("closes_on", "pk")
    )
    columns = {stage: deals.filter(stage=stage) for stage in Quote.Stage.values}
    columns[RENEWAL] = (
        renewals_due(user, owner_id, today)
        .filter(_in(bucket, "ends_on"))
        .select_related("company", "product")
        .order_by("ends_on", "pk")
    )
    cards = {key: list(deals[:CARDS]) if counts[key] else [] for key, deals in columns.items()}
    return [
        Column(
            key,
            label,
            cards[key],
            counts[key],
            settings.SEATDESK_CURRENCY if key == RENEWAL else "",
        )
        for key, label in COLUMNS
    ]


def at_risk(user, owner_id: int | None, today: date) -> dict:
    """Sent quotes past their valid-until date that nobody closed, the first ones with the
    length of the list (one query), and renewals
    due whose seats are little used: the owner's book's renewal-at-risk usage list
    (UsageSummary.renewal_at_risk), as its snapshot ranked it at `little_used_as_of` (one
    query for the rows). The form has already narrowed an own-book-only manager to their
    book."""
    lapsed = list(
        open_quotes(user, owner_id)
        .filter(status=Quote.Status.SENT, valid_until__lt=today)
        .with_parties()
        .annotate(length=Window(Count("pk")))
        .order_by("valid_until", "pk")[:AT_RISK_ROWS]
    )
    book = snapshot.book(owner_id)
    ranking = next(each for each in book["usage_rankings"] if each.slug == "renewal-at-risk")
    (little_used,) = usage.load_lists([ranking], book["today"])
    return {
        "lapsed": lapsed,
        "lapsed_count": lapsed[0].length if lapsed else 0,
        "little_used": little_used.rows[:AT_RISK_ROWS],
        "little_used_count": little_used.total,
        "little_used_as_of": book["as_of"],
    }
