"""API throttles: per user (whatever the credentials), per token, and per address for callers
without credentials; beyond the rate, 429 with Retry-After and a JSON body."""

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.accounts.factories import make_api_token


@pytest.fixture
def rates(monkeypatch):
    """DRF reads the rates once, at import; tests set their own on the class."""

    def set_rates(**rates):
        monkeypatch.setattr(
            SimpleRateThrottle,
            "THROTTLE_RATES",
            {"anon": "1000/minute", "user": "1000/minute", "token": "1000/minute", **rates},
        )

    return set_rates


def with_token(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_user_beyond_the_rate_gets_429_with_retry_after(rates, account_manager):
    rates(user="3/minute")
    client = with_token(make_api_token(account_manager))

    answers = [client.get("/api/v1/companies/").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    response = client.get("/api/v1/companies/")
    assert response["Content-Type"] == "application/json"
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["detail"].startswith("Request was throttled.")


def test_the_user_rate_counts_every_token_and_the_session_together(rates, client, finance):
    rates(user="3/minute")
    with_token(make_api_token(finance, name="one")).get("/api/v1/quotes/")
    with_token(make_api_token(finance, name="two")).get("/api/v1/quotes/")
    client.force_login(finance)
    assert client.get("/api/v1/quotes/").status_code == 200

    assert client.get("/api/v1/quotes/").status_code == 429


def test_each_token_has_its_own_budget(rates, finance):
    rates(token="2/minute")
    first = with_token(make_api_token(finance, name="BI tool"))
    second = with_token(make_api_token(finance, name="export script"))

    assert [first.get("/api/v1/quotes/").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/v1/quotes/").status_code == 200


def test_one_users_spending_does_not_throttle_another(rates, finance, account_manager):
    rates(user="2/minute")
    spender = with_token(make_api_token(finance))
    for _ in range(3):
        spender.get("/api/v1/quotes/")

    assert with_token(make_api_token(account_manager)).get("/api/v1/quotes/").status_code == 200


def test_the_token_endpoint_is_throttled_per_address(rates, db):
    rates(anon="2/minute")
    client = APIClient()

    def ask(address, **headers):
        return client.post(
            "/api/v1/auth/token/", {}, format="json", REMOTE_ADDR=address, **headers
        ).status_code

    assert [ask("203.0.113.5", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}") for n in range(3)] == [
        400,
        400,
        429,
    ]
    assert ask("198.51.100.1") == 400


def test_the_rates_come_from_the_environment(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]

    assert set(rates) == {"anon", "user", "token"}
    for rate in rates.values():
        SimpleRateThrottle.parse_rate(SimpleRateThrottle, rate)
