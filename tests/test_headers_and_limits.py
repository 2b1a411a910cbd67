"""Headers every answer carries and the limits every request meets: Content-Security-Policy,
Cache-Control on personal data, body and field limits (413 / 400, JSON under /api/), and the
gunicorn settings the README's production command uses."""

import json
import re
import runpy
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.accounts.factories import make_api_token

ROOT = Path(__file__).resolve().parent.parent


def with_token(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_api_token(user)}")
    return client


def test_pages_carry_a_strict_content_security_policy(client, account_manager):
    client.force_login(account_manager)

    policy = client.get(reverse("company_list"))["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in policy


def test_no_template_served_to_a_browser_needs_inline_script_or_style():
    """PDFs and emails are not pages; everything else must satisfy the policy."""
    inline = re.compile(r"<style|style=\"|<script(?![^>]*\bsrc=)|\son[a-z]+=\"|hx-on", re.I)
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "templates").rglob("*.html")
        if not {"pdf", "emails"} & set(path.parts)
        for match in inline.finditer(path.read_text())
    ]
    assert not offenders


@pytest.mark.parametrize("signed_in", [True, False])
def test_api_answers_are_never_stored(client, finance, signed_in):
    if signed_in:
        client.force_login(finance)

    response = client.get("/api/v1/quotes/")

    assert response.status_code == (200 if signed_in else 401)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_token_clients_get_no_store_too(finance):
    assert "no-store" in with_token(finance).get("/api/v1/quotes/")["Cache-Control"]


@pytest.mark.parametrize("name", ["home", "company_list", "quote_list", "api_tokens"])
def test_pages_seen_signed_in_are_never_stored(client, admin, name):
    client.force_login(admin)

    response = client.get(reverse(name))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_quote_pdf_is_never_stored(client, finance, company, product):
    from sales.services import send_quote
    from tests.sales.factories import make_quote

    quote = send_quote(quote=make_quote(company=company, product=product), actor=company.owner)
    client.force_login(finance)

    response = client.get(reverse("quote_pdf", args=[quote.pk]))

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_a_json_body_over_the_limit_answers_413_as_json(settings, account_manager):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    note = {"name": "Acme", "notes": "x" * (1024 * 1024)}

    response = with_token(account_manager).post("/api/v1/companies/", note, format="json")

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is larger than the 1024 KB this server accepts."
    }
    assert "no-store" in response["Cache-Control"]


def test_a_body_within_the_limit_reaches_the_view(settings, account_manager):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    body = json.dumps({"name": "x" * 3000})

    response = with_token(account_manager).post(
        "/api/v1/companies/", body, content_type="application/json"
    )

    assert response.status_code == 400 and "name" in response.json()


def test_a_form_over_the_limit_answers_413(client, settings, account_manager):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client.force_login(account_manager)

    response = client.post(reverse("company_create"), {"name": "Acme", "notes": "x" * 2000})

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")


def test_too_many_form_fields_answer_400(client, settings, account_manager):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    client.force_login(account_manager)
    fields = {f"field{n}": "x" for n in range(50)}

    assert client.post(reverse("company_create"), fields).status_code == 400


def test_too_many_form_fields_answer_400_as_json_under_the_api(settings, account_manager):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    fields = {f"field{n}": "x" for n in range(50)}

    response = with_token(account_manager).post("/api/v1/companies/", fields)

    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request: the request is malformed or too large."}


def test_the_limits_come_from_the_environment_with_safe_defaults():
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000


def test_gunicorn_gives_requests_time_and_caps_request_lines(monkeypatch):
    for name in ("GUNICORN_TIMEOUT", "WEB_CONCURRENCY", "GUNICORN_LIMIT_REQUEST_LINE"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    assert config["timeout"] >= 120 and config["graceful_timeout"] >= 30
    assert config["limit_request_line"] == 4094 and config["limit_request_fields"] == 50
    assert config["limit_request_field_size"] == 8190
    assert 1 <= config["workers"] <= 8


def test_gunicorn_settings_follow_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_TIMEOUT", "300")
    monkeypatch.setenv("WEB_CONCURRENCY", "2")

    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    assert (config["timeout"], config["workers"]) == (300, 2)


def test_the_readme_production_command_uses_the_gunicorn_config():
    assert "gunicorn -c gunicorn.conf.py config.wsgi" in (ROOT / "README.md").read_text()


def test_only_redoc_may_add_styles_and_the_api_docs_keep_the_strict_policy(client, finance):
    client.force_login(finance)

    redoc = client.get(reverse("redoc"))["Content-Security-Policy"]
    swagger = client.get(reverse("swagger-ui"))["Content-Security-Policy"]

    assert "style-src 'self' 'unsafe-inline'" in redoc and "script-src 'self';" in redoc
    assert "unsafe" not in swagger
