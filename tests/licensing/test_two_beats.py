"""Two beats by mistake (one per machine): both sweeps run at the same moment, on separate
connections to PostgreSQL, and every reminder is still recorded and sent exactly once."""

import threading
from datetime import date

import pytest
from django.core import mail
from django.db import connection

from licensing import tasks
from licensing.models import Reminder
from tests.licensing.factories import LicenseFactory, TrialFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(function, copies: int = 2) -> list:
    """Run `function` in `copies` threads released together; each has its own connection."""
    start = threading.Barrier(copies)
    results, errors = [], []

    def run():
        try:
            start.wait()
            results.append(function())
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_two_beats_sweeping_at_once_record_and_send_each_reminder_exactly_once(
    postgresql, company, product, monkeypatch
):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: date(2026, 12, 3))
    for _ in range(5):
        TrialFactory(company=company, product=product, ends_on=date(2026, 12, 10))
        LicenseFactory(company=company, product=product, ends_on=date(2027, 1, 2))  # 30 days ahead

    recorded = _at_once(tasks.sweep_reminders)

    assert sorted(recorded) == [0, 10]  # one sweep recorded all ten, the other none
    assert Reminder.objects.count() == 10
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}
    # Per trial the owner's and the contacts' email, per renewal the owner's (no billing
    # contact): as one sweep alone sends.
    assert len(mail.outbox) == 5 * 2 + 5 * 1
