"""Every answer under /api/ is JSON, errors included: those DRF raises and those that happen
before or outside its views (config.errors)."""

import json

import pytest
from django.test import Client, RequestFactory

from accounts.api import CompanyViewSet
from config.errors import csrf_failure


@pytest.fixture
def signed_in(account_manager):
    client = Client(raise_request_exception=False)
    client.force_login(account_manager)
    return client


def assert_json(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json", response.content[:300]
    assert "detail" in json.loads(response.content) or status == 400


@pytest.mark.parametrize(
    "path",
    [
        "/api/",
        "/api/v1/no-such-thing/",
        "/api/v1/quotes/not-a-number/pdf/",
        "/api/v1/companies/999999/",
        "/api/v1/companies/not-a-number/",
        "/api/v1/companies/?page=999",
    ],
)
def test_an_unknown_url_or_object_under_the_api_answers_json_404(signed_in, path):
    assert_json(signed_in.get(path), 404)


def test_an_unknown_url_answers_json_even_to_a_visitor_not_signed_in():
    assert_json(Client().get("/api/v1/no-such-thing/"), 404)


def test_a_method_the_api_does_not_take_answers_json_405(signed_in, company):
    assert_json(signed_in.get(f"/api/v1/companies/{company.pk}/archive/"), 405)


def test_a_body_the_api_cannot_read_answers_json_415(signed_in):
    response = signed_in.post("/api/v1/companies/", "name=Acme", content_type="text/plain")
    assert_json(response, 415)


def test_malformed_json_answers_json_400(signed_in):
    response = signed_in.post("/api/v1/companies/", "{", content_type="application/json")
    assert_json(response, 400)


def test_a_browser_asking_for_html_still_gets_json(signed_in):
    response = signed_in.get("/api/v1/companies/", HTTP_ACCEPT="text/html")
    assert response["Content-Type"] == "application/json"


def test_a_crash_under_the_api_answers_json_500(signed_in, monkeypatch):
    def crash(self, request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(CompanyViewSet, "list", crash)
    assert_json(signed_in.get("/api/v1/companies/"), 500)


def test_a_request_for_an_unknown_host_answers_json_400(signed_in, settings):
    settings.ALLOWED_HOSTS = ["seatdesk.example"]
    assert_json(signed_in.get("/api/v1/companies/", HTTP_HOST="evil.example"), 400)


def test_a_csrf_refusal_under_the_api_answers_json_and_elsewhere_the_html_page():
    factory = RequestFactory()
    assert_json(csrf_failure(factory.post("/api/v1/companies/"), reason="no token"), 403)
    assert "text/html" in csrf_failure(factory.post("/companies/new/"))["Content-Type"]


def test_a_session_without_its_csrf_token_answers_json_403(account_manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(account_manager)
    assert_json(client.post("/api/v1/companies/", {"name": "Acme"}), 403)


def test_pages_outside_the_api_keep_their_html_404(signed_in):
    response = signed_in.get("/no-such-page/")
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


@pytest.mark.parametrize("page_size", ["abc", "0", "-1", "1.5", "١٢"])
def test_a_malformed_page_size_is_refused_with_the_parameter_named(signed_in, page_size):
    response = signed_in.get("/api/v1/companies/", {"page_size": page_size})
    assert_json(response, 400)
    assert json.loads(response.content) == {"page_size": ["Enter a whole number of at least 1."]}


def test_a_refused_file_download_answers_json_whatever_the_accept_header(signed_in, company):
    response = signed_in.get("/api/v1/exports/quotes.csv", HTTP_ACCEPT="text/csv")
    assert_json(response, 403)
    response = signed_in.get("/api/v1/quotes/999999/pdf/", HTTP_ACCEPT="application/pdf")
    assert_json(response, 404)
