"""The renewal-at-risk email: to the account manager, once per license and renewal term,
through the shared reminders (the same sweep, key and outbox as renewal reminders)."""

from datetime import timedelta

from django.core import mail
from django.test import TestCase
from django.utils import timezone

from licensing import reminders
from licensing.models import Reminder
from licensing.services import record_usage
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import LicenseFactory


def committed(function, *args, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return function(*args, **kwargs)


def licensed(company, product, *, ends_in: int, active: int, seats: int = 20):
    today = timezone.localdate()
    license = LicenseFactory(
        company=company,
        product=product,
        seats=seats,
        starts_on=today - timedelta(days=300),
        ends_on=today + timedelta(days=ends_in),
    )
    record_usage(
        rows=[{"license": license.pk, "date": today.isoformat(), "assigned_seats": seats,
               "active_users_30d": active}]
    )  # fmt: skip
    return license


def at_risk_emails():
    return [message for message in mail.outbox if message.subject.startswith("Renewal at risk")]


def test_an_at_risk_renewal_emails_the_owner_once_per_term(company, product, account_manager):
    license = licensed(company, product, ends_in=45, active=9)  # 45 % used
    today = timezone.localdate()

    committed(reminders.sweep_reminders, today=today)
    committed(reminders.sweep_reminders, today=today)
    committed(reminders.sweep_reminders, today=today + timedelta(days=1))

    emails = at_risk_emails()
    assert len(emails) == 1
    assert emails[0].to == [account_manager.email]
    assert emails[0].subject == (
        f"Renewal at risk: {license.product} for {company} is 9 of 20 seats used"
    )
    assert "45.0%" in emails[0].body and f"/licenses/{license.pk}/" in emails[0].body
    recorded = Reminder.objects.get(kind=reminders.RENEWAL_AT_RISK)
    assert recorded.subject == f"license:{license.pk}:{license.ends_on}"


def test_each_license_term_is_warned_on_its_own(company, product, account_manager):
    licensed(company, product, ends_in=45, active=9)
    committed(reminders.sweep_reminders, today=timezone.localdate())
    other_term = licensed(CompanyFactory(owner=account_manager), product, ends_in=80, active=5)

    committed(reminders.sweep_reminders, today=timezone.localdate())

    assert len(at_risk_emails()) == 2
    assert f"/licenses/{other_term.pk}/" in at_risk_emails()[1].body


def test_no_warning_for_a_well_used_license_or_a_renewal_far_off(company, product):
    licensed(company, product, ends_in=45, active=15)  # 75 % used
    licensed(CompanyFactory(owner=company.owner), product, ends_in=200, active=2)

    committed(reminders.sweep_reminders, today=timezone.localdate())

    assert at_risk_emails() == []
    assert not Reminder.objects.filter(kind=reminders.RENEWAL_AT_RISK).exists()
