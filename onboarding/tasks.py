"""Celery tasks for onboardings: thin, safe to run twice (each digest is a unique reminder)."""

from celery import shared_task
from django.utils import timezone

from onboarding import digests
from onboarding.services import add_low_adoption_tasks


@shared_task
def send_onboarding_digests() -> int:
    """The daily digest (beat): record today's digests and queue their sends."""
    return len(digests.record_digests(today=timezone.localdate()))


@shared_task
def check_adoption() -> int:
    """The daily adoption check (beat): a "user education" task for each onboarding live for
    thirty days whose users never reached half the seats, even on a day without usage. Safe
    to run twice: an onboarding has the task once (its trigger is unique)."""
    return len(add_low_adoption_tasks(today=timezone.localdate()))
