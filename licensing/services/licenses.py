"""Licenses: start (new or from a trial), add seats, renew, cancel and expire them."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import limits
from accounts.models import Activity, Company
from accounts.services import record_activity
from licensing import pricing
from licensing.models import License, Product, SeatChange, Trial, UsageSummary
from licensing.services.common import _locked, _whole_blocks, check_product_not_held
from licensing.services.trials import check_trial_convertible
from licensing.services.usage import refresh_company_utilisation
from licensing.signals import license_started, seats_added


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
    brings its usage summary and its company's stored utilisation to the new seats; sends
    seats_added after commit."""
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
    UsageSummary.objects.filter(license=license).licensed(license.seats)
    refresh_company_utilisation(companies=[license.company_id])
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
    """Make the next term of a license; the old one becomes renewed (in force, and in its
    company's stored utilisation, until its term ends: the nightly refresh). Sends
    license_started (kind "renewal")."""
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
    """Cancel an active license from a date (default today); refreshes its company's stored
    utilisation."""
    license = _locked(License, license)
    check_license_active(license, "cancel")
    license.status = License.Status.CANCELLED
    license.cancelled_on = cancelled_on or timezone.localdate()
    license.save(update_fields=["status", "cancelled_on"])
    refresh_company_utilisation(companies=[license.company_id])
    record_activity(
        company=license.company,
        kind=Activity.Kind.LICENSE,
        message=f"License of {license.product} cancelled from {license.cancelled_on}",
        actor=actor,
    )
    return license


@transaction.atomic
def expire_license(*, license: License, today: date | None = None) -> License:
    """Mark an active license whose term has ended, without a renewal, as expired; refreshes
    its company's stored utilisation."""
    license = _locked(License, license)
    today = today or timezone.localdate()
    check_license_active(license, "expire")
    if license.ends_on >= today:
        raise ValidationError(f"The license runs until {license.ends_on}; it has not expired.")
    license.status = License.Status.EXPIRED
    license.save(update_fields=["status"])
    refresh_company_utilisation(companies=[license.company_id], today=today)
    record_activity(
        company=license.company,
        kind=Activity.Kind.LICENSE,
        message=f"License of {license.product} expired on {license.ends_on}",
    )
    return license
