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

from accounts import limits
from accounts.models import Activity, Company
from accounts.services import record_activity
from licensing import pricing
from licensing.models import License, PriceTier, Product, SeatChange, Trial
from licensing.signals import license_started, seats_added


def _positive_seats(seats: int, per: str = "") -> None:
    limits.check_seats(seats, per=per)


def _whole_blocks(seats: int, product: Product) -> None:
    _positive_seats(seats, per="license")
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
    for tier in tiers:
        limits.check(tier.min_seats, limits.SEATS, "price_tiers")
        limits.check(tier.unit_price, limits.UNIT_PRICE, "price_tiers")


def check_product_not_held(*, company: Company, product: Product, field: str = "product"):
    """Refuse a second license, or a trial, of a product the company already holds: more
    seats go on that license (an expansion, co-termed) and the next term is its renewal."""
    held = (
        License.objects.held().filter(company=company, product=product).order_by("starts_on")
    ).first()
    if held is not None:
        raise ValidationError(
            {
                field: f"{company} already licenses {product} ({held.seats} seats, "
                f"{held.starts_on} to {held.ends_on}): add seats to that license or renew it "
                "instead of starting a second one."
            }
        )


# Trials


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


# Licenses


def _create_license(
    *, company, product, seats, unit_price, starts_on, ends_on, renews=None
) -> License:
    _whole_blocks(seats, product)
    if unit_price is None or unit_price < 0:
        raise ValidationError({"unit_price": "The unit price cannot be negative."})
    limits.check(unit_price, limits.UNIT_PRICE, "unit_price")
    limits.check(starts_on, limits.DATE, "starts_on")
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
    now: datetime | None = None,
) -> License:
    """Start a new license of a product the company does not hold yet; its product's open
    trials for the company end as converted; sends license_started (kind "new") after commit."""
    # The company's row is the lock that keeps two acceptances from both starting one.
    Company.objects.select_for_update().filter(pk=company.pk).first()
    check_product_not_held(company=company, product=product)
    license = _create_license(
        company=company,
        product=product,
        seats=seats,
        unit_price=unit_price,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    _convert_trials_of(license, now or timezone.now())
    _announce_start(license, "new", actor)
    return license


def _convert_trials_of(license: License, now: datetime) -> None:
    """The company bought a product it was trying: its open trials of that product end as
    converted (the first one linked to the license), not left "active" beside it."""
    trials = Trial.objects.select_for_update().filter(
        company=license.company_id, product=license.product_id, status=Trial.Status.ACTIVE
    )
    for index, trial in enumerate(trials.order_by("-starts_on", "-pk")):
        trial.status = Trial.Status.CONVERTED
        trial.converted_license = license if index == 0 else None
        trial.ended_at = now
        trial.save(update_fields=["status", "converted_license", "ended_at"])
        record_activity(
            company=license.company,
            kind=Activity.Kind.TRIAL,
            message=f"Trial of {license.product} converted: the company bought it",
            when=now,
        )


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
    Company.objects.select_for_update().filter(pk=trial.company_id).first()
    check_product_not_held(company=trial.company, product=trial.product)
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
    if license.seats + seats > limits.MAX_SEATS:
        raise ValidationError(
            {
                "seats": f"At most {limits.MAX_SEATS:,} seats per license: it has "
                f"{license.seats:,}, so at most {limits.MAX_SEATS - license.seats:,} more."
            }
        )
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
