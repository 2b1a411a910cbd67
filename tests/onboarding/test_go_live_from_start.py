"""An onboarding whose license starts later goes live only from that start: the service
refuses before, the button is disabled and says why, the API answers 400."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from onboarding.models import Onboarding
from onboarding.services import check_can_go_live, mark_live
from tests.licensing.factories import LicenseFactory
from tests.onboarding.factories import OnboardingFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
REASON = "it can go live from that day"


def onboarding_starting(days_from_today: int, owner=None) -> Onboarding:
    starts_on = TODAY + timedelta(days=days_from_today)
    license = LicenseFactory(starts_on=starts_on, ends_on=starts_on + timedelta(days=364))
    return OnboardingFactory(license=license, owner=owner)


STARTS = [
    # (license start in days from today, may go live today)
    (30, False),
    (1, False),
    (0, True),
    (-10, True),
]


@pytest.mark.parametrize(("starts_in", "may_go_live"), STARTS)
def test_the_service_lets_a_client_go_live_only_from_the_license_start(
    support, starts_in, may_go_live
):
    onboarding = onboarding_starting(starts_in)
    if may_go_live:
        check_can_go_live(onboarding)
        assert mark_live(onboarding=onboarding, actor=support).live_on == TODAY
        return
    starts_on = onboarding.license.starts_on
    with pytest.raises(ValidationError, match=f"starts on {starts_on:%-d %b %Y}: {REASON}"):
        mark_live(onboarding=onboarding, actor=support)
    onboarding.refresh_from_db()
    assert (onboarding.status, onboarding.live_on) != (Onboarding.Status.LIVE, TODAY)
    # From its first day on, it may.
    check_can_go_live(onboarding, starts_on)


def test_a_go_live_date_in_the_future_is_refused(support):
    onboarding = onboarding_starting(-10)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        mark_live(onboarding=onboarding, actor=support, live_on=TODAY + timedelta(days=1))


@pytest.mark.parametrize(("starts_in", "may_go_live"), STARTS)
def test_the_button_is_disabled_and_says_why_until_the_license_starts(
    client, support, starts_in, may_go_live
):
    onboarding = onboarding_starting(starts_in, owner=support)
    client.force_login(support)
    page = client.get(reverse("onboarding_detail", args=[onboarding.pk])).content.decode()
    disabled = 'type="submit" disabled aria-describedby="live-from">Mark live</button>'
    assert (disabled in page) is not may_go_live
    assert (REASON in page) is not may_go_live

    response = client.post(reverse("onboarding_mark_live", args=[onboarding.pk]), follow=True)
    onboarding.refresh_from_db()
    assert onboarding.is_live is may_go_live
    if not may_go_live:
        assert REASON in response.content.decode()


@pytest.mark.parametrize(("starts_in", "may_go_live"), STARTS)
def test_the_api_refuses_going_live_before_the_license_starts(support, starts_in, may_go_live):
    onboarding = onboarding_starting(starts_in)
    api = APIClient()
    api.force_authenticate(support)
    response = api.post(f"/api/v1/onboardings/{onboarding.pk}/mark-live/", {}, format="json")
    assert response.status_code == (200 if may_go_live else 400)
    if not may_go_live:
        assert REASON in response.json()["non_field_errors"][0]
