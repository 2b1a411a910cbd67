"""The usage feed: POST /api/v1/usage/ with a Usage feed token, all or nothing, idempotent
per license and day; the token reaches nothing else; `manage.py create_usage_feed`."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.roles import Role
from licensing.models import UsageRecord
from tests.accounts.factories import UserFactory, make_api_token
from tests.licensing.factories import LicenseFactory

URL = "/api/v1/usage/"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def feed_key(db):
    out = StringIO()
    call_command("create_usage_feed", "usage-feed", name="Product telemetry", stdout=out,
                 stderr=StringIO())  # fmt: skip
    return out.getvalue().strip()


@pytest.fixture
def feed(feed_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {feed_key}")
    return client


def row(license, days_ago=1, assigned=40, active=30, **extra):
    day = timezone.localdate() - timedelta(days=days_ago)
    return {
        "license": license.pk,
        "date": day.isoformat(),
        "assigned_seats": assigned,
        "active_users_30d": active,
        **extra,
    }


def stored(license):
    return list(
        UsageRecord.objects.filter(license=license)
        .order_by("day")
        .values_list("assigned_seats", "active_users_30d", "active_users_7d")
    )


def test_the_feed_stores_a_batch_and_says_what_it_did(feed, license):
    rows = [row(license, 2, 40, 30, active_users_7d=20), row(license, 1, 42, 31)]

    response = feed.post(URL, {"rows": rows}, format="json")

    assert response.status_code == 200
    assert response.json() == {"created": 2, "replaced": 0, "unchanged": 0}
    assert stored(license) == [(40, 30, 20), (42, 31, None)]


def test_the_same_batch_twice_stores_nothing_new(feed, license):
    rows = [row(license, 2), row(license, 1)]
    feed.post(URL, {"rows": rows}, format="json")
    received = list(UsageRecord.objects.order_by("day").values_list("received_at", flat=True))

    response = feed.post(URL, {"rows": rows}, format="json")

    assert response.json() == {"created": 0, "replaced": 0, "unchanged": 2}
    assert UsageRecord.objects.count() == 2
    assert list(UsageRecord.objects.order_by("day").values_list("received_at", flat=True)) == (
        received
    )


def test_a_later_batch_for_the_same_day_replaces_it(feed, license):
    feed.post(URL, {"rows": [row(license, 1, 40, 30)]}, format="json")

    response = feed.post(
        URL, {"rows": [row(license, 1, 45, 44, active_users_7d=40)]}, format="json"
    )

    assert response.json() == {"created": 0, "replaced": 1, "unchanged": 0}
    assert stored(license) == [(45, 44, 40)]


def test_a_row_may_name_the_company_and_product_code_instead(feed, license):
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    rows = [{"company": license.company_id, "product": license.product.code, "date": day,
             "assigned_seats": 12, "active_users_30d": 10}]  # fmt: skip

    response = feed.post(URL, {"rows": rows}, format="json")

    assert response.status_code == 200
    assert stored(license) == [(12, 10, None)]


def test_rows_by_company_and_product_code_match_only_the_pairs_named(feed, company, product):
    # 1,100 pairs: more than one condition per pair would allow (SQLite's depth is 1,000).
    licenses = LicenseFactory.create_batch(1_100, product=product)
    other = LicenseFactory(company=company)  # the company's license of another product
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    rows = [{"company": license.company_id, "product": product.code, "date": day,
             "assigned_seats": 12, "active_users_30d": 10} for license in licenses]  # fmt: skip

    response = feed.post(URL, {"rows": rows}, format="json")
    crossed = feed.post(URL, {"rows": [{**rows[0], "company": company.pk}]}, format="json")

    assert response.json() == {"created": 1_100, "replaced": 0, "unchanged": 0}
    assert crossed.status_code == 400 and f"Company {company.pk} has no license" in str(
        crossed.json()
    )
    assert stored(other) == []


def test_one_bad_row_refuses_the_whole_batch_naming_each_bad_row(feed, license):
    rows = [
        row(license, 3),
        row(license, 2, assigned=10, active=11),
        {**row(license, 1), "license": 999999},
        row(license, -1),
        {**row(license, 4), "assigned_seats": "many"},
        row(license, 3),
    ]

    response = feed.post(URL, {"rows": rows}, format="json")

    assert response.status_code == 400
    messages = response.json()["rows"]
    assert messages == [
        "Row 2: active_users_30d cannot be more than assigned_seats.",
        "Row 3: There is no license 999999.",
        f"Row 4: date {timezone.localdate() + timedelta(days=1)} is in the future.",
        "Row 5: assigned_seats must be a whole number.",
        f"Row 6: Row 1 already gives license {license.pk} on "
        f"{timezone.localdate() - timedelta(days=3)}.",
    ]
    assert UsageRecord.objects.count() == 0


def test_a_day_outside_the_license_term_is_refused(feed, license):
    response = feed.post(URL, {"rows": [row(license, 101)]}, format="json")

    assert response.status_code == 400
    assert "outside license" in response.json()["rows"][0]


def test_a_batch_of_more_than_ten_thousand_rows_is_refused(feed, license):
    rows = [row(license, 1)] * 10_001

    response = feed.post(URL, {"rows": rows}, format="json")

    assert response.status_code == 400
    assert response.json()["rows"] == ["At most 10,000 rows per batch; this has 10,001."]


def test_a_body_that_is_not_a_list_of_rows_is_refused(feed):
    assert feed.post(URL, {"rows": "all"}, format="json").status_code == 400
    assert feed.post(URL, [], format="json").status_code == 400


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/companies/"),
        ("get", "/api/v1/licenses/"),
        ("get", "/api/v1/quotes/"),
        ("get", "/api/v1/metrics/"),
        ("get", "/api/v1/products/"),
        ("post", "/api/v1/companies/"),
        ("get", URL),
    ],
)
def test_a_usage_feed_token_reaches_nothing_else(feed, license, method, path):
    response = getattr(feed, method)(path, {}, format="json")

    assert response.status_code in (403, 405)
    assert "name" not in response.content.decode()


def test_a_usage_feed_token_cannot_read_a_license_it_posts_for(feed, license):
    response = feed.get(f"/api/v1/licenses/{license.pk}/")

    assert response.status_code in (403, 404)
    assert license.company.name not in response.content.decode()


def test_staff_without_the_usage_role_may_not_post_usage(account_manager, license):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_api_token(account_manager)}")

    response = client.post(URL, {"rows": [row(license)]}, format="json")

    assert response.status_code == 403
    assert UsageRecord.objects.count() == 0


def test_an_administrator_may_post_usage(admin, license):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_api_token(admin)}")

    assert client.post(URL, {"rows": [row(license)]}, format="json").status_code == 200


def test_the_command_makes_a_passwordless_usage_feed_account_and_prints_the_key_once(feed_key):
    token = ApiToken.objects.get()
    user = token.user
    assert (token.scope, token.name) == ("usage", "Product telemetry")
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == [Role.USAGE_FEED]
    assert feed_key and token.digest != feed_key


def test_the_command_refuses_a_persons_account(account_manager):
    with pytest.raises(CommandError, match="person's account"):
        call_command("create_usage_feed", "am", name="Telemetry", stderr=StringIO())


def test_a_person_cannot_get_a_usage_feed_token(account_manager):
    with pytest.raises(Exception, match="Usage feed accounts"):
        make_api_token(account_manager, scope="usage")


def test_a_usage_feed_account_gets_no_other_token(feed_key):
    user = UserFactory(username="usage-feed")
    with pytest.raises(Exception, match="Usage feed accounts"):
        make_api_token(user, scope="write")


def test_a_batch_larger_than_the_usual_body_limit_is_taken(feed, company, product, settings):
    today = timezone.localdate()
    license = LicenseFactory(
        company=company,
        product=product,
        starts_on=today - timedelta(days=9100),
        ends_on=today + timedelta(days=100),
    )
    rows = [row(license, days_ago, 40, 30, active_users_7d=20) for days_ago in range(9000)]
    body = json.dumps({"rows": rows}, indent=2)
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = feed.post(URL, body, content_type="application/json")

    assert response.status_code == 200
    assert response.json() == {"created": 9000, "replaced": 0, "unchanged": 0}
