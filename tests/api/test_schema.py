import pytest
from django.core.management import call_command


def test_the_openapi_schema_validates_without_a_single_warning(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "api.yaml")
    )

    assert "/api/v1/quotes/{id}/send/:" in (tmp_path / "api.yaml").read_text()


def test_every_operation_documents_its_errors(client, account_manager):
    client.force_login(account_manager)
    schema = client.get("/api/schema/", {"format": "json"}).json()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403"} <= codes, (method, path)
            if "{id}" in path:
                assert "404" in codes, (method, path)
            if method != "get":
                assert "400" in codes, (method, path)


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_the_api_documentation_is_served_offline_to_signed_in_staff(client, account_manager, page):
    assert client.get(page).status_code in (401, 403)
    client.force_login(account_manager)

    response = client.get(page)

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
