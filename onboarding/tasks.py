"""Celery tasks for onboardings: thin, safe to run twice (each digest is a unique reminder)."""

from celery import shared_task
from django.utils import timezone

from onboarding import digests


@shared_task
def send_onboarding_digests() -> int:
    """The daily digest (beat): record today's digests and queue their sends."""
    return len(digests.record_digests(today=timezone.localdate()))
