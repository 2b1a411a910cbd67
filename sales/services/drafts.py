"""Quotes drafted from a trial or a license: conversion, expansion, renewal."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Company, Contact
from licensing import services as licensing
from licensing.models import License, Trial, license_usage
from licensing.pricing import months_between
from sales.models import Quote
from sales.pricing import LineInput
from sales.services.quotes import create_quote


def _primary_contact(company: Company) -> Contact | None:
    contacts = list(company.contacts.all())
    return next((c for c in contacts if c.is_primary), contacts[0] if contacts else None)


def draft_trial_conversion_quote(*, trial: Trial, actor) -> Quote:
    """Draft the quote that converts an active trial, for its product and seats."""
    return create_quote(
        company=trial.company,
        actor=actor,
        kind=Quote.Kind.TRIAL_CONVERSION,
        contact=_primary_contact(trial.company),
        lines=[LineInput(trial.product, trial.seats)],
        trial=trial,
    )


def draft_expansion_quote(*, license: License, seats: int, effective_on: date, actor) -> Quote:
    """Draft a quote adding seats to a license from `effective_on`, prorated to its end."""
    return create_quote(
        company=license.company,
        actor=actor,
        kind=Quote.Kind.EXPANSION,
        contact=_primary_contact(license.company),
        lines=[LineInput(license.product, seats)],
        starts_on=effective_on,
        license=license,
    )


def draft_true_up_quote(*, license: License, actor, today: date | None = None) -> Quote:
    """Draft an expansion for the seats the license's latest usage report shows assigned
    beyond those licensed, from today, prorated to its end (billed in whole blocks)."""
    today = today or timezone.localdate()
    missing = license_usage(license, today=today).missing_seats
    if not missing:
        raise ValidationError(
            "The latest usage report assigns no more seats than are licensed: nothing to true up."
        )
    return draft_expansion_quote(license=license, seats=missing, effective_on=today, actor=actor)


@transaction.atomic
def draft_renewal_quote(*, license: License, actor) -> Quote:
    """Draft the next term of a license at today's price book, same seats and length; while
    a renewal quote of the license is in play (a draft or sent), answer with that one, so
    that two clicks, even at once, make one quote."""
    # The license's row is the lock that serialises two clicks.
    license = (
        License.objects.select_for_update().select_related("company", "product").get(pk=license.pk)
    )
    open_renewal = Quote.objects.open_renewals_of(license).first()
    if open_renewal is not None:
        return open_renewal
    starts_on, ends_on = licensing.renewal_term(license)
    return create_quote(
        company=license.company,
        actor=actor,
        kind=Quote.Kind.RENEWAL,
        contact=_primary_contact(license.company),
        lines=[LineInput(license.product, license.seats)],
        term_months=months_between(starts_on, ends_on),
        starts_on=starts_on,
        license=license,
    )
