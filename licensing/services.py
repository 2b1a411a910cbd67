"""Business actions on trials and licenses: one transaction each, refused with a readable
ValidationError before anything is written."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import Activity, Company
from accounts.services import record_activity
from licensing import pricing
from licensing.models import License, PriceTier, Product, SeatChange, Trial
from licensing.signals import license_started, seats_added


def _positive_seats(seats: int) -> None:
    if seats is None or seats <= 0:
        raise ValidationError({"seats": "Seats must be a positive number."})


def _whole_blocks(seats: int, product: Product) -> None:
    _positive_seats(seats)
    if seats % product.seat_block_size:
        raise ValidationError(
            {"seats": f"Seats must be whole blocks of {product.seat_block_size}; {seats} is not."}
        )


def _locked(model, instance):
    """Reload a row under a lock so concurrent actions see each other's writes."""
    return model.objects.select_for_update().get(pk=instance.pk)


# Price book


@transaction.atomic
def save_product(*, product: Product, tiers: Sequence[pricing.Tier] | None = None) -> Product:
    """Validate and save a new or edited product; given `tiers`, they replace its price tiers."""
    product.full_clean()
    if tiers is not None:
        _check_tiers(tiers)
    product.save()
    if tiers is not None:
        product.price_tiers.all().delete()
        bulk_create_with_history(
            [
                PriceTier(product=product, min_seats=tier.min_seats, unit_price=tier.unit_price)
                for tier in tiers
            ],
            PriceTier,
        )
    return product


def _check_tiers(tiers: Sequence[pricing.Tier]) -> None:
    """Every seat count needs a price: the tiers start at 1 seat, each from a different count."""
    starts = sorted(tier.min_seats for tier in tiers)
    if not starts or starts[0] != 1:
        raise ValidationError({"price_tiers": "The first price tier must start at 1 seat."})
    if len(set(starts)) != len(starts):
        raise ValidationError({"price_tiers": "Two price tiers start at the same seat count."})
    if any(tier.unit_price is None or tier.unit_price < 0 for tier in tiers):
        raise ValidationError({"price_tiers": "A unit price cannot be negative."})


# Trials


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
    day; records it on the timeline."""
    _positive_seats(seats)
    starts_on = starts_on or timezone.localdate()
    if ends_on is None:
        days = settings.TRIAL_DEFAULT_DAYS if days is None else days
        if days <= 0:
            raise ValidationError({"days": "A trial lasts at least one day."})
        ends_on = starts_on + timedelta(days=days - 1)
    elif ends_on < starts_on:
        raise ValidationError({"ends_on": "A trial cannot end before it starts."})
    if not product.active:
        raise ValidationError({"product": f"{product} is no longer sold."})
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


def _active_trial(trial: Trial, action: str) -> Trial:
    trial = _locked(Trial, trial)
    if trial.status != Trial.Status.ACTIVE:
        raise ValidationError(
            f"Cannot {action} a trial that is {trial.get_status_display().lower()}."
        )
    return trial


@transaction.atomic
def extend_trial(*, trial: Trial, days: int, actor) -> Trial:
    """Push an active trial's end back by `days` days."""
    if days is None or days <= 0:
        raise ValidationError({"days": "Extend by at least one day."})
    trial = _active_trial(trial, "extend")
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


def _end_trial(trial: Trial, status: str, actor, verb: str, now: datetime | None) -> Trial:
    trial = _active_trial(trial, verb)
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
    """Cancel an active trial."""
    return _end_trial(trial, Trial.Status.CANCELLED, actor, "cancel", now)


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


# Licenses


def _create_license(
    *, company, product, seats, unit_price, starts_on, ends_on, renews=None
) -> License:
    _whole_blocks(seats, product)
    if unit_price is None or unit_price < 0:
        raise ValidationError({"unit_price": "The unit price cannot be negative."})
    if ends_on <= starts_on:
        raise ValidationError({"ends_on": "The term must end after it starts."})
    return License.objects.create(
        company=company,
        product=product,
        seats=seats,
        unit_price=unit_price,
        starts_on=starts_on,
        ends_on=ends_on,
        renews=renews,
    )


def _announce_start(license: License, kind: str, actor) -> None:
    record_activity(
        company=license.company,
        kind=Activity.Kind.LICENSE,
        message=(
            f"License of {license.product} started ({kind.replace('_', ' ')}): "
            f"{license.seats} seats, {license.starts_on} to {license.ends_on}"
        ),
        actor=actor,
    )
    transaction.on_commit(lambda: license_started.send(sender=License, license=license, kind=kind))


@transaction.atomic
def create_license(
    *,
    company: Company,
    product: Product,
    seats: int,
    unit_price: Decimal,
    starts_on: date,
    ends_on: date,
    actor,
) -> License:
    """Start a new license; sends license_started (kind "new") after commit."""
    license = _create_license(
        company=company,
        product=product,
        seats=seats,
        unit_price=unit_price,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    _announce_start(license, "new", actor)
    return license


@transaction.atomic
def convert_trial(
    *,
    trial: Trial,
    seats: int,
    unit_price: Decimal,
    starts_on: date,
    ends_on: date,
    actor,
    now: datetime | None = None,
) -> License:
    """Turn an active trial into a paid license; sends license_started (kind "trial_conversion")."""
    trial = _locked(Trial, trial)
    check_trial_convertible(trial)
    license = _create_license(
        company=trial.company,
        product=trial.product,
        seats=seats,
        unit_price=unit_price,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    trial.status = Trial.Status.CONVERTED
    trial.converted_license = license
    trial.ended_at = now or timezone.now()
    trial.save(update_fields=["status", "converted_license", "ended_at"])
    _announce_start(license, "trial_conversion", actor)
    return license


def check_license_active(license: License, action: str) -> None:
    if license.status != License.Status.ACTIVE:
        raise ValidationError(
            f"Cannot {action} a license that is {license.get_status_display().lower()}."
        )


@transaction.atomic
def add_seats(
    *, license: License, seats: int, effective_on: date, prorated_amount: Decimal, actor
) -> SeatChange:
    """Add whole blocks of seats to an active license from `effective_on` to its end;
    sends seats_added after commit."""
    license = _locked(License, license)
    check_license_active(license, "add seats to")
    _whole_blocks(seats, license.product)
    if not license.starts_on <= effective_on <= license.ends_on:
        raise ValidationError(
            {
                "effective_on": f"The date must fall within the term ({license.starts_on} to {license.ends_on})."
            }
        )
    license.seats += seats
    license.save(update_fields=["seats"])
    change = SeatChange.objects.create(
        license=license,
        delta=seats,
        seats_after=license.seats,
        effective_on=effective_on,
        prorated_amount=prorated_amount,
        created_by=actor,
    )
    record_activity(
        company=license.company,
        kind=Activity.Kind.SEATS,
        message=f"{seats} seats added to {license.product} from {effective_on}: now {license.seats}",
        actor=actor,
    )
    transaction.on_commit(
        lambda: seats_added.send(sender=License, license=license, seat_change=change)
    )
    return change


def renewal_term(license: License) -> tuple[date, date]:
    """The next term: it starts the day after the license ends and lasts as long."""
    starts_on = license.ends_on + timedelta(days=1)
    months = pricing.months_between(license.starts_on, license.ends_on)
    return starts_on, pricing.term_end(starts_on, months)


def check_renewable(license: License) -> None:
    if license.status != License.Status.ACTIVE:
        raise ValidationError(
            f"This license is {license.get_status_display().lower()}; only an active one renews."
        )
    if hasattr(license, "renewal"):
        raise ValidationError("This license has already been renewed.")


@transaction.atomic
def renew_license(
    *, license: License, seats: int, unit_price: Decimal, starts_on: date, ends_on: date, actor
) -> License:
    """Make the next term of a license; the old one becomes renewed. Sends license_started
    (kind "renewal")."""
    license = _locked(License, license)
    check_renewable(license)
    renewal = _create_license(
        company=license.company,
        product=license.product,
        seats=seats,
        unit_price=unit_price,
        starts_on=starts_on,
        ends_on=ends_on,
        renews=license,
    )
    license.status = License.Status.RENEWED
    license.save(update_fields=["status"])
    _announce_start(renewal, "renewal", actor)
    return renewal


@transaction.atomic
def cancel_license(*, license: License, actor, cancelled_on: date | None = None) -> License:
    """Cancel an active license from a date (default today)."""
    license = _locked(License, license)
    check_license_active(license, "cancel")
    license.status = License.Status.CANCELLED
    license.cancelled_on = cancelled_on or timezone.localdate()
    license.save(update_fields=["status", "cancelled_on"])
    record_activity(
        company=license.company,
        kind=Activity.Kind.LICENSE,
        message=f"License of {license.product} cancelled from {license.cancelled_on}",
        actor=actor,
    )
    return license


@transaction.atomic
def expire_license(*, license: License, today: date | None = None) -> License:
    """Mark an active license whose term has ended, without a renewal, as expired."""
    license = _locked(License, license)
    today = today or timezone.localdate()
    check_license_active(license, "expire")
    if license.ends_on >= today:
        raise ValidationError(f"The license runs until {license.ends_on}; it has not expired.")
    license.status = License.Status.EXPIRED
    license.save(update_fields=["status"])
    record_activity(
        company=license.company,
        kind=Activity.Kind.LICENSE,
        message=f"License of {license.product} expired on {license.ends_on}",
    )
    return license
