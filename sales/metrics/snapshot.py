"""The book snapshot: each book's figures (every company's, or one account manager's) over
the default period, computed once and stored (BookSnapshot), so that the home page, the
dashboard and the metrics API read one row instead of the whole book.

A snapshot is computed on the first look of the day (or by the daily beat task before it),
and again after every change to the records the figures count (companies, licenses, seat
changes, trials, sent quotes, go-lives): the change's commit marks the snapshots stale and
queues their refresh, one at a time, BOOK_SNAPSHOT_REFRESH_DELAY seconds on. Figures carry
`as_of`, the time they stood at, which the pages show: they are never older than they say.
Another period than the default one takes the book's figures from the snapshot and computes
only its own (the flows) live.
"""

import logging
from dataclasses import fields, is_dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from kombu.exceptions import OperationalError

from licensing.signals import usage_recorded
from sales.metrics.book import CompanySeats, PenetrationBucket, RenewalMonth, Renewals
from sales.metrics.dashboard import dashboard, period_figures
from sales.metrics.flows import ConversionMonth, DealSize, LostReason, SeatMonth
from sales.metrics.records import Scope, default_period
from sales.metrics.usage import UsageRanking
from sales.models import BookSnapshot, Quote

# The records the figures count: a save or delete of one makes every snapshot stale, and so
# does a batch of usage from the feed (licensing's `usage_recorded`).
WATCHED = (
    "accounts.Company",
    "licensing.License",
    "licensing.SeatChange",
    "licensing.Trial",
    "sales.Quote",
    "onboarding.Onboarding",
)
logger = logging.getLogger(__name__)

# A queued refresh not begun this many seconds after its time is taken as lost.
REFRESH_LOST_AFTER = 300
_TYPES = {
    cls.__name__: cls
    for cls in (
        CompanySeats,
        PenetrationBucket,
        RenewalMonth,
        Renewals,
        ConversionMonth,
        DealSize,
        LostReason,
        SeatMonth,
        UsageRanking,
    )
}


def _encode(value):
    if is_dataclass(value):
        return {
            "type": type(value).__name__,
            "fields": {f.name: _encode(getattr(value, f.name)) for f in fields(value)},
        }
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    return value


def _decode(value):
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict):
        if "decimal" in value:
            return Decimal(value["decimal"])
        if "date" in value:
            return date.fromisoformat(value["date"])
        kind = _TYPES[value["type"]]
        return kind(**{name: _decode(item) for name, item in value["fields"].items()})
    return value


def encode(figures: dict) -> dict:
    """The figures as JSON that `decode` turns back into equal figures."""
    return {name: _encode(value) for name, value in figures.items()}


def decode(stored: dict) -> dict:
    return {name: _decode(value) for name, value in stored.items()}


def is_default_view(scope: Scope) -> bool:
    """Whether the scope is a book's view today over the default period (what a snapshot
    holds)."""
    today = timezone.localdate()
    return scope.today == today and (scope.start, scope.end) == default_period(today)


def figures(scope: Scope) -> dict:
    """The dashboard's figures of the scope, with as_of. Looked at today, the book's figures
    come from its snapshot (the period changes none of them) and another period's flows are
    computed now, on top: as_of stays the snapshot's, the older of the two. Another day than
    today is computed now."""
    if is_default_view(scope):
        return book(scope.owner_id)
    if scope.today == timezone.localdate():
        return {**book(scope.owner_id), **period_figures(scope)}
    return {**dashboard(scope), "as_of": timezone.now()}


def book(owner_id: int | None) -> dict:
    """The book's figures today over the default period: its snapshot, or computed and
    stored when it has none of today."""
    snapshot = BookSnapshot.objects.filter(owner_id=owner_id).first()
    if snapshot is not None and snapshot.today == timezone.localdate():
        return {**decode(snapshot.figures), "as_of": snapshot.computed_at}
    return refresh(owner_id=owner_id)


def refresh(*, owner_id: int | None) -> dict:
    """Compute the book's default view and store it, unless a computation begun later has
    stored its own meanwhile. Returns the figures with as_of."""
    computed_at = timezone.now()
    today = timezone.localdate(computed_at)
    start, end = default_period(today)
    result = dashboard(Scope(start=start, end=end, owner_id=owner_id, today=today))
    values = {"today": today, "figures": encode(result), "computed_at": computed_at}
    with transaction.atomic():
        snapshot = BookSnapshot.objects.select_for_update().filter(owner_id=owner_id).first()
        if snapshot is None:
            try:
                with transaction.atomic():
                    BookSnapshot.objects.create(owner_id=owner_id, **values)
            except IntegrityError:
                pass  # another process stored this book's snapshot at the same moment
        elif snapshot.computed_at < computed_at:
            BookSnapshot.objects.filter(pk=snapshot.pk).update(**values)
    return {**result, "as_of": computed_at}


def mark_stale() -> int:
    """Every snapshot has missed a change just committed; returns how many there are."""
    return BookSnapshot.objects.update(changed_at=timezone.now())


def refresh_stale() -> None:
    """Refresh the snapshots that missed a change or are of an earlier day. A change
    committed from here on queues the next refresh."""
    BookSnapshot.objects.update(refresh_queued_at=None)
    stale = BookSnapshot.objects.filter(
        Q(changed_at__gte=F("computed_at")) | ~Q(today=timezone.localdate())
    )
    for owner_id in stale.values_list("owner_id", flat=True):
        refresh(owner_id=owner_id)


def refresh_all() -> None:
    """Refresh every book's snapshot, every company's always."""
    owners = {None, *BookSnapshot.objects.values_list("owner_id", flat=True)}
    for owner_id in owners:
        refresh(owner_id=owner_id)


def _after_change() -> None:
    """Mark the snapshots stale and queue their refresh BOOK_SNAPSHOT_REFRESH_DELAY seconds
    on, unless one is queued already: the changes until it begins ride on it, so a busy hour
    of sends computes the book about once a delay, not once a send (each a full pass over
    the book). A refresh queued and never begun (a worker lost with it) is queued again;
    one the broker refused is left for the next change to queue (the change itself stands)."""
    from sales.tasks import refresh_stale_book_snapshots  # sales.tasks imports this module

    if not mark_stale():
        return
    now = timezone.now()
    delay = settings.BOOK_SNAPSHOT_REFRESH_DELAY
    lost = now - timedelta(seconds=delay + REFRESH_LOST_AFTER)
    unqueued = Q(refresh_queued_at__isnull=True) | Q(refresh_queued_at__lt=lost)
    if not BookSnapshot.objects.filter(unqueued).update(refresh_queued_at=now):
        return
    try:
        refresh_stale_book_snapshots.apply_async(countdown=delay)
    except OperationalError:
        BookSnapshot.objects.filter(refresh_queued_at=now).update(refresh_queued_at=None)
        logger.warning(
            "Could not queue the book snapshots' refresh (the broker?); the next change will.",
            exc_info=True,
        )


def _record_changed(sender, instance, **kwargs) -> None:
    if sender is Quote and instance.status in Quote.UNSENT:
        return  # drafts count in no figure
    transaction.on_commit(_after_change)


def _usage_recorded(sender, **kwargs) -> None:
    # Sent after the feed's commit: on_commit runs it now, or after an enclosing transaction.
    transaction.on_commit(_after_change)


def watch_changes() -> None:
    """Connect the saves and deletes of the WATCHED records, and the usage feed's batches
    (from SalesConfig.ready)."""
    for model in WATCHED:
        for signal in (post_save, post_delete):
            signal.connect(_record_changed, sender=model, dispatch_uid=f"book-snapshot-{model}")
    usage_recorded.connect(_usage_recorded, dispatch_uid="book-snapshot-usage")
