"""API tokens: hashed, named, scoped, expiring; listed and revoked by their user and by
administrators; handed out by the token endpoint and `manage.py create_api_token`."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, Company
from tests.accounts.factories import make_api_token


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def api(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


NEW_COMPANY = {
    "name": "Globex",
    "domain": "globex.example",
    "industry": "software",
    "country": "FR",
}


def test_the_token_endpoint_gives_a_named_read_only_token_by_default(client, account_manager):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "am", "password": "demo", "name": "BI export"},
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["scope"]) == ("BI export", "read")
    token = ApiToken.objects.get()
    expected_expiry = timezone.now() + timedelta(days=90)
    assert abs(token.expiry - expected_expiry) < timedelta(minutes=1)
    assert api(body["token"]).get("/api/v1/companies/").status_code == 200


def test_only_the_hash_of_a_key_is_stored(account_manager):
    key = make_api_token(account_manager)

    token = ApiToken.objects.get()
    stored = [str(value) for value in ApiToken.objects.values_list(flat=False).get()]
    assert key not in stored and token.digest != key and len(token.digest) == 128


def test_a_read_only_token_reads_but_may_not_write(account_manager):
    client = api(make_api_token(account_manager, scope="read"))

    assert client.get("/api/v1/companies/").status_code == 200
    response = client.post("/api/v1/companies/", NEW_COMPANY, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "This token is read-only: make a read-write token to change data."
    }
    assert client.delete("/api/v1/companies/1/").status_code == 403
    assert not Company.objects.filter(name="Globex").exists()


def test_a_read_write_token_acts_with_its_users_role(account_manager, support):
    assert (
        api(make_api_token(account_manager))
        .post("/api/v1/companies/", NEW_COMPANY, format="json")
        .status_code
        == 201
    )
    assert (
        api(make_api_token(support))
        .post("/api/v1/companies/", {**NEW_COMPANY, "name": "Initech"}, format="json")
        .status_code
        == 403
    )


def test_every_api_view_checks_the_token_scope():
    from django.urls import get_resolver

    from accounts.tokens import TokenScopePermission

    def views(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.callback

    checked = 0
    for path, callback in views(get_resolver().url_patterns):
        view_class = getattr(callback, "cls", None)
        if not path.startswith("api/v1/") or view_class is None:
            continue
        if view_class.__name__ in {"ObtainTokenView", "APIRootView"}:
            continue
        assert TokenScopePermission in view_class.permission_classes, path
        checked += 1
    assert checked > 10


def test_an_expired_token_is_refused_and_stays_listed(client, account_manager):
    key = make_api_token(account_manager)
    ApiToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))

    assert api(key).get("/api/v1/companies/").status_code == 401
    client.force_login(account_manager)
    page = client.get(reverse("api_tokens")).content.decode()
    assert "expired" in page and "test script" in page


def test_a_wrong_or_malformed_key_is_refused(account_manager):
    make_api_token(account_manager)

    assert api("0" * 64).get("/api/v1/companies/").status_code == 401
    malformed = APIClient().get("/api/v1/companies/", HTTP_AUTHORIZATION="Token ab\xe9cd")
    assert malformed.status_code == 401


def test_the_page_makes_a_token_and_shows_its_key_once(client, account_manager):
    client.force_login(account_manager)

    response = client.post(
        reverse("api_tokens"), {"name": "Finance script", "scope": "write", "days": 30}
    )

    assert response.status_code == 200
    key = response.context["new_key"]
    assert key in response.content.decode()
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.user) == ("Finance script", "write", account_manager)
    assert api(key).get("/api/v1/quotes/").status_code == 200
    assert key not in client.get(reverse("api_tokens")).content.decode()


@pytest.mark.parametrize(
    "form, field",
    [
        ({"name": "", "scope": "read", "days": 30}, "name"),
        ({"name": "x" * 101, "scope": "read", "days": 30}, "name"),
        ({"name": "ok", "scope": "admin", "days": 30}, "scope"),
        ({"name": "ok", "scope": "read", "days": 0}, "days"),
        ({"name": "ok", "scope": "read", "days": 367}, "days"),
        ({"name": "ok", "scope": "read", "days": "soon"}, "days"),
    ],
)
def test_the_page_refuses_bad_input_next_to_the_field(client, account_manager, form, field):
    client.force_login(account_manager)

    response = client.post(reverse("api_tokens"), form)

    assert response.status_code == 200 and response.context["form"].errors[field]
    assert not ApiToken.objects.exists()


def test_a_user_sees_and_revokes_only_their_own_tokens(client, account_manager, finance):
    make_api_token(account_manager, name="mine")
    theirs = make_api_token(finance, name="theirs")
    other_token = ApiToken.objects.get(name="theirs")
    client.force_login(account_manager)

    page = client.get(reverse("api_tokens")).content.decode()
    assert "mine" in page and "theirs" not in page
    url = reverse("api_token_revoke", args=[other_token.digest])
    assert client.post(url).status_code == 404
    assert api(theirs).get("/api/v1/quotes/").status_code == 200

    mine = ApiToken.objects.get(name="mine")
    assert client.post(reverse("api_token_revoke", args=[mine.digest])).status_code == 302
    assert not ApiToken.objects.filter(name="mine").exists()


def test_a_revoked_token_is_refused(client, account_manager):
    key = make_api_token(account_manager)
    client.force_login(account_manager)

    client.post(reverse("api_token_revoke", args=[ApiToken.objects.get().digest]))

    assert api(key).get("/api/v1/companies/").status_code == 401


def test_the_tokens_page_is_in_the_user_menu_and_needs_sign_in(client, account_manager):
    assert client.get(reverse("api_tokens")).status_code == 302
    client.force_login(account_manager)
    assert reverse("api_tokens") in client.get(reverse("home")).content.decode()


def test_administrators_list_and_revoke_every_token_in_the_admin(client, admin, finance):
    key = make_api_token(finance, name="finance script")
    token = ApiToken.objects.get()
    client.force_login(admin)

    changelist = client.get(reverse("admin:accounts_apitoken_changelist"))
    assert "finance script" in changelist.content.decode()
    assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "delete_selected", "_selected_action": [token.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert api(key).get("/api/v1/quotes/").status_code == 401


def test_the_command_prints_a_new_key_once(account_manager, capsys):
    call_command("create_api_token", "am", name="nightly export", scope="write", days=7)

    key = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    assert (token.name, token.scope) == ("nightly export", "write")
    assert timedelta(days=6) < token.expiry - timezone.now() <= timedelta(days=7)
    assert api(key).post("/api/v1/companies/", NEW_COMPANY, format="json").status_code == 201


@pytest.mark.parametrize(
    "username, options, message",
    [
        ("nobody", {"name": "x"}, "No user named 'nobody'."),
        ("am", {"name": " "}, "Name the token after the script or tool that will use it."),
        ("am", {"name": "x", "days": 0}, "A token lasts between 1 and 366 days."),
    ],
)
def test_the_command_refuses_bad_input(account_manager, username, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", username, **options)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "x", "days": 0}, "days"),
        ({"name": "x", "scope": "root"}, "scope"),
        ({"name": ""}, "name"),
        ({}, "name"),
    ],
)
def test_the_token_endpoint_refuses_bad_input(client, account_manager, body, field):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "am", "password": "demo", **body},
        content_type="application/json",
    )

    assert response.status_code == 400 and field in response.json()
    assert not ApiToken.objects.exists()


def test_the_migration_carries_drf_tokens_over_hashed_and_expiring(account_manager):
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    migration = import_module("accounts.migrations.0005_api_tokens")
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40), created date, user_id int)")
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, '2026-01-01', %s)",
            [old_key, account_manager.pk],
        )
    schema_editor = type("SchemaEditor", (), {"connection": connection})()  # all it reads
    migration.carry_over_drf_tokens(apps, schema_editor)

    token = ApiToken.objects.get()
    assert (token.scope, token.user, token.token_key) == ("write", account_manager, old_key[:15])
    assert old_key != token.digest and token.expiry > timezone.now() + timedelta(days=89)
    assert api(old_key).get("/api/v1/companies/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
