"""Trials: start, extend, cancel and expire them."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import limits
from accounts.models import Activity, Company
from accounts.services import record_activity
from licensing.models import Product, Trial
from licensing.services.common import _locked, _positive_seats, check_product_not_held


def _trial_days(starts_on: date, ends_on: date) -> int:
    return (ends_on - starts_on).days + 1


def _longest_trial(days: int, field: str) -> None:
    longest = settings.TRIAL_MAX_DAYS
    if days > longest:
        raise ValidationError(
            {field: f"A trial lasts at most {longest} days in all, extensions included."}
        )


@transaction.atomic
def start_trial(
    *,
    company: Company,
    product: Product,
    seats: int,
    actor,
    starts_on: date | None = None,
    days: int | None = None,
    ends_on: date | None = None,
) -> Trial:
    """Start a trial of `days` days (default TRIAL_DEFAULT_DAYS) or until `ends_on`, its last
    day; records it on the timeline. Refused while the company runs a trial of the product."""
    _positive_seats(seats)
    starts_on = starts_on or timezone.localdate()
    limits.check(starts_on, limits.DATE, "starts_on")
    if ends_on is None:
        days = settings.TRIAL_DEFAULT_DAYS if days is None else days
        if days <= 0:
            raise ValidationError({"days": "A trial lasts at least one day."})
        _longest_trial(days, "days")
        ends_on = starts_on + timedelta(days=days - 1)
    elif ends_on < starts_on:
        raise ValidationError({"ends_on": "A trial cannot end before it starts."})
    else:
        _longest_trial(_trial_days(starts_on, ends_on), "ends_on")
    if not product.active:
        raise ValidationError({"product": f"{product} is no longer sold."})
    # Two requests at once must see each other's trial: serialise on the company.
    Company.objects.select_for_update().filter(pk=company.pk).first()
    running = Trial.objects.active().filter(company=company, product=product).first()
    if running is not None:
        raise ValidationError(
            {
                "product": f"{company} already has a trial of {product} running until "
                f"{running.ends_on:%-d %b %Y}; extend that trial instead of starting another."
            }
        )
    check_product_not_held(company=company, product=product)
    trial = Trial.objects.create(
        company=company,
        product=product,
        seats=seats,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    record_activity(
        company=company,
        kind=Activity.Kind.TRIAL,
        message=f"Trial of {product} started for {seats} seats, until {trial.ends_on}",
        actor=actor,
    )
    return trial


def _active_trial(trial: Trial, action: str, today: date | None = None) -> Trial:
    """The trial, locked, if it is still running on `today` (None: whatever its end)."""
    trial = _locked(Trial, trial)
    state = trial.status if today is None else trial.state(today)
    if state != Trial.Status.ACTIVE:
        ended = f"; it ended on {trial.ends_on:%-d %b %Y}" if state == Trial.Status.EXPIRED else ""
        raise ValidationError(
            f"Cannot {action} a trial that is {Trial.Status(state).label.lower()}{ended}."
        )
    return trial


@transaction.atomic
def extend_trial(*, trial: Trial, days: int, actor, today: date | None = None) -> Trial:
    """Push a running trial's end back by `days` days, up to TRIAL_MAX_DAYS in all. A trial
    whose last day has passed has expired: start a new one instead."""
    if days is None or days <= 0:
        raise ValidationError({"days": "Extend by at least one day."})
    limits.check(days, limits.EXTENSION_DAYS, "days")
    today = today or timezone.localdate()
    trial = _active_trial(trial, "extend", today)
    so_far = _trial_days(trial.starts_on, trial.ends_on)
    room = settings.TRIAL_MAX_DAYS - so_far
    if days > room:
        can = f"it can be extended by {room} more at most" if room > 0 else "it cannot be extended"
        raise ValidationError(
            {
                "days": f"A trial lasts at most {settings.TRIAL_MAX_DAYS} days in all, extensions "
                f"included; this one already runs {so_far} days, so {can}."
            }
        )
    trial.ends_on += timedelta(days=days)
    trial.times_extended += 1
    trial.save(update_fields=["ends_on", "times_extended"])
    record_activity(
        company=trial.company,
        kind=Activity.Kind.TRIAL,
        message=f"Trial of {trial.product} extended by {days} days, until {trial.ends_on}",
        actor=actor,
    )
    return trial


def _end_trial(
    trial: Trial, status: str, actor, verb: str, now: datetime | None, today: date | None = None
) -> Trial:
    trial = _active_trial(trial, verb, today)
    trial.status = status
    trial.ended_at = now or timezone.now()
    trial.save(update_fields=["status", "ended_at"])
    record_activity(
        company=trial.company,
        kind=Activity.Kind.TRIAL,
        message=f"Trial of {trial.product} {trial.get_status_display().lower()}",
        actor=actor,
        when=trial.ended_at,
    )
    return trial


@transaction.atomic
def cancel_trial(*, trial: Trial, actor, now: datetime | None = None) -> Trial:
    """Cancel a running trial (one past its last day has already expired)."""
    return _end_trial(trial, Trial.Status.CANCELLED, actor, "cancel", now, timezone.localdate(now))


@transaction.atomic
def expire_trial(*, trial: Trial, now: datetime | None = None) -> Trial:
    """Mark an active trial whose last day has passed as expired."""
    now = now or timezone.now()
    if trial.ends_on >= timezone.localdate(now):
        raise ValidationError(f"The trial runs until {trial.ends_on}; it has not expired.")
    return _end_trial(trial, Trial.Status.EXPIRED, None, "expire", now)


def check_trial_convertible(trial: Trial) -> None:
    """Refuse to convert a trial that is not active."""
    if trial.status != Trial.Status.ACTIVE:
        raise ValidationError(
            f"This trial is {trial.get_status_display().lower()}; only an active trial converts."
        )
