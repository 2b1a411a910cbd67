"""Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures for one username, or
from one address, that username or address is refused for the cool-off, on the login page and
the API's token endpoint alike, until an administrator unlocks it."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.accounts.factories import UserFactory

OFFICE, ELSEWHERE = "203.0.113.7", "198.51.100.9"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(client, username, password, address=OFFICE, **headers):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def ask_for_token(client, username, password, address=OFFICE):
    return client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": password, "name": "script"},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def test_thirty_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(
    client, account_manager
):
    answers = [sign_in(client, "am", f"guess-{n}").status_code for n in range(30)]

    assert answers[:9] == [200] * 9  # the form again, with "wrong password"
    assert set(answers[10:]) == {429}
    response = sign_in(client, "am", "demo")
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    page = response.content.decode()
    assert "Too many failed sign-ins for this username or from this address" in page
    assert "paused for 15 minutes" in page and 'name="password"' in page
    assert "_auth_user_id" not in client.session


def test_a_locked_account_is_locked_from_every_address(client, account_manager):
    for n in range(10):
        sign_in(client, "am", f"guess-{n}")

    assert sign_in(client, "am", "demo", address=ELSEWHERE).status_code == 429


def test_another_account_from_another_address_signs_in(client, account_manager, finance):
    for n in range(30):
        sign_in(client, "am", f"guess-{n}")

    response = sign_in(client, "finance", "demo", address=ELSEWHERE)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(finance.pk)


def test_an_address_that_fails_for_many_usernames_is_locked_for_all(client, finance):
    for n in range(10):
        sign_in(client, f"nobody-{n}", "guess")

    assert sign_in(client, "finance", "demo").status_code == 429
    assert sign_in(client, "finance", "demo", address=ELSEWHERE).status_code == 302


def test_a_forwarded_for_header_does_not_change_the_address_without_a_trusted_proxy(
    client, finance
):
    for n in range(10):
        sign_in(client, f"nobody-{n}", "guess", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

    assert sign_in(client, "finance", "demo", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429


def test_behind_a_trusted_proxy_the_address_it_saw_counts(client, settings, finance):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(10):
        sign_in(client, f"nobody-{n}", "guess", HTTP_X_FORWARDED_FOR=f"spoofed, {OFFICE}")

    other = sign_in(client, "finance", "demo", HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert other.status_code == 302
    client.logout()
    assert sign_in(client, "finance", "demo", HTTP_X_FORWARDED_FOR=OFFICE).status_code == 429


def test_a_successful_sign_in_clears_earlier_failures(client, account_manager):
    for n in range(9):
        sign_in(client, "am", f"guess-{n}")
    assert sign_in(client, "am", "demo").status_code == 302
    client.logout()

    for n in range(9):
        sign_in(client, "am", f"guess-{n}")
    assert sign_in(client, "am", "demo").status_code == 302


def test_an_administrator_unlocks_an_account_in_the_admin(client, account_manager, admin):
    for n in range(12):
        sign_in(client, "am", f"guess-{n}")
    assert sign_in(client, "am", "demo").status_code == 429
    attempts = AccessAttempt.objects.all()
    assert attempts.exists()

    client.force_login(admin)
    changelist = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200 and "am" in changelist.content.decode()
    response = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [a.pk for a in attempts], "post": "yes"},
    )
    assert response.status_code == 302
    client.logout()

    assert sign_in(client, "am", "demo").status_code == 302


def test_the_token_endpoint_is_locked_like_the_login_page(client, account_manager):
    for n in range(9):
        response = ask_for_token(client, "am", f"guess-{n}")
        assert response.status_code == 400
        assert response.json() == {"non_field_errors": ["Wrong username or password."]}
    assert ask_for_token(client, "am", "guess-9").status_code == 429  # the tenth failure

    response = ask_for_token(client, "am", "demo")

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "900"
    assert "Too many failed sign-ins" in response.json()["detail"]


def test_failures_at_the_token_endpoint_also_lock_the_login_page(client, account_manager):
    for n in range(10):
        ask_for_token(client, "am", f"guess-{n}")

    assert sign_in(client, "am", "demo", address=ELSEWHERE).status_code == 429


def test_the_limit_and_cool_off_come_from_settings(client, settings, account_manager):
    settings.AXES_FAILURE_LIMIT = 3
    for n in range(3):
        sign_in(client, "am", f"guess-{n}")

    assert sign_in(client, "am", "demo").status_code == 429


def test_an_inactive_user_gets_no_token(client, db):
    UserFactory(username="gone", is_active=False)

    assert ask_for_token(client, "gone", "demo").status_code == 400
